"""The query generator, checked offline: what it draws is valid (graphql-core says so),
within the server's limits, reaches the service a fault test aims at, and holds the
shapes the differential test is for (empty selections at every level, aliases,
fragments, variables). A generator that quietly drew only trivial or invalid queries
would make the differential test pass for nothing."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    parse,
    print_ast,
    visit,
)
from graphql.execution.collect_fields import (
    GroupedFieldSet,
    collect_fields,
    collect_subfields,
)
from graphql.execution.executor import Executor
from graphql.language import Visitor
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app import errors
from app.admission import Admission
from app.limits import query_limits
from app.settings import load_settings
from tests.differential.aims import LEVELS, SERVICE_FIELDS, coordinates
from tests.differential.generate import Generated, is_valid, raw_documents
from tests.differential.schema_facts import SCHEMA

HEALTHY_SAMPLE = 80
PER_SERVICE_SAMPLE = 8
PER_LEVEL_SAMPLE = 6


def draw(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    found: list[Any] = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found


@cache
def samples() -> dict[str | None, list[Generated]]:
    """Documents as drawn (before validation): unaimed, and aimed at each service."""
    drawn: dict[str | None, list[Generated]] = {None: draw(raw_documents(), HEALTHY_SAMPLE)}
    for service in SERVICE_FIELDS:
        drawn[service] = draw(raw_documents(service), PER_SERVICE_SAMPLE)
        drawn[f"{service} (light)"] = draw(raw_documents(service, light=True),
                                           PER_SERVICE_SAMPLE // 2)
    for level in LEVELS:
        drawn[f"empty at {level}"] = draw(raw_documents(empty_at=level), PER_LEVEL_SAMPLE)
    return drawn


@cache
def valid_samples() -> dict[str | None, list[Generated]]:
    return {aim: list(filter(is_valid, cases)) for aim, cases in samples().items()}


def every_valid_sample() -> list[Generated]:
    return [case for cases in valid_samples().values() for case in cases]


def _grouped(executor: Executor) -> tuple[GraphQLObjectType, GroupedFieldSet]:
    root = SCHEMA.query_type
    assert root is not None
    return root, collect_fields(SCHEMA, executor.fragments, executor.variable_values, root,
                                executor.operation).grouped_field_set


def executed_shapes(case: Generated) -> tuple[set[str], set[tuple[str, str]]]:
    """The fields the query executes ("Type.field", skip/include applied by graphql-core),
    and the selection sets that are empty or only `__typename`, by where they are."""
    built = Executor.build(SCHEMA, parse(case.query), raw_variable_values=case.variables)
    assert isinstance(built, Executor)
    executed: set[str] = set()
    shapes: set[tuple[str, str]] = set()

    def walk(where: str, parent: GraphQLObjectType, grouped: GroupedFieldSet) -> None:
        names = {details[0].node.name.value for details in grouped.values()}
        if not names:
            shapes.add((where, "empty"))
        elif names == {"__typename"}:
            shapes.add((where, "only __typename"))
        for details in grouped.values():
            name = details[0].node.name.value
            if name == "__typename":
                continue
            executed.add(f"{parent.name}.{name}")
            named = get_named_type(parent.fields[name].type)
            if isinstance(named, GraphQLObjectType):
                below = collect_subfields(SCHEMA, built.fragments, built.variable_values,
                                          built.operation, named, details).grouped_field_set
                walk(f"{parent.name}.{name}", named, below)

    walk("Query", *_grouped(built))
    return executed, shapes


def test_service_fields_name_fields_of_the_schema() -> None:
    known = coordinates()
    for service, fields in SERVICE_FIELDS.items():
        assert fields <= known, (service, fields - known)


def test_drawn_documents_are_mostly_valid() -> None:
    for aim, cases in samples().items():
        valid = len(valid_samples()[aim])
        assert valid >= 0.9 * len(cases), f"{aim}: {valid} of {len(cases)} valid"


def test_drawn_queries_stay_within_the_servers_limits() -> None:
    """A refused query is compared too, but teaches nothing about execution."""
    limits = query_limits(load_settings({}))
    outcomes: Counter[str] = Counter()
    for case in every_valid_sample():
        admission = Admission(SCHEMA, cache_size=0, introspection=False, limits=limits)
        try:
            admission.operation(admission.document(case.query), None, case.variables)
            outcomes["admitted"] += 1
        except errors.RequestError as refused:
            outcomes[refused.code] += 1
    assert outcomes["admitted"] >= 0.95 * outcomes.total(), outcomes


def test_aimed_queries_execute_a_field_of_their_service() -> None:
    for service, fields in SERVICE_FIELDS.items():
        for aim in (service, f"{service} (light)"):
            for case in valid_samples()[aim]:
                executed, _ = executed_shapes(case)
                assert executed & fields, (aim, case)


def test_empty_selections_at_every_level() -> None:
    """Where they are aimed at, always (and every kind somewhere); unaimed, here and there."""
    found: set[tuple[str, str]] = set()
    for level in LEVELS:
        for case in valid_samples()[f"empty at {level}"]:
            shapes = executed_shapes(case)[1]
            assert {kind for where, kind in shapes if where == level}, (level, case)
            found |= shapes
    missing = [(level, kind) for level in LEVELS for kind in ("empty", "only __typename")
               if (level, kind) not in found]
    assert not missing, missing
    unaimed = set().union(*(executed_shapes(case)[1] for case in valid_samples()[None]))
    assert len({where for where, _ in unaimed}) >= 5, unaimed


class _Features(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.seen: Counter[str] = Counter()
        self.fragment_depth = 0

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> None:
        self.fragment_depth += 1

    def leave_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> None:
        self.fragment_depth -= 1

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.seen["spread inside a fragment" if self.fragment_depth else "spread"] += 1

    def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> None:
        self.seen["inline with type" if node.type_condition else "inline without type"] += 1

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.alias:
            self.seen["alias"] += 1
        for directive in node.directives or ():
            argument = (directive.arguments or ())[0].value
            self.seen[f"@{directive.name.value} {argument.kind}"] += 1

    def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> None:
        arguments: dict[str, set[str]] = {}
        for selection in node.selections:
            if isinstance(selection, FieldNode) and selection.arguments:
                arguments.setdefault(selection.name.value, set()).add(
                    print_ast(selection).split("{")[0].split(": ", 1)[-1])
        if any(len(texts) > 1 for texts in arguments.values()):
            self.seen["the same field twice, other arguments"] += 1

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        for definition in node.variable_definitions or ():
            self.seen["variable with default" if definition.default_value
                      else "variable without default"] += 1


def test_drawn_documents_use_every_feature() -> None:
    features = _Features()
    for case in every_valid_sample():
        visit(parse(case.query), features)
    for feature in ("spread", "spread inside a fragment", "inline with type",
                    "inline without type", "alias", "@skip boolean_value", "@skip variable",
                    "@include boolean_value", "@include variable", "variable with default",
                    "variable without default", "the same field twice, other arguments"):
        assert features.seen[feature] >= 5, (feature, features.seen)
