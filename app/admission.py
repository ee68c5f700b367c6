"""Admission: parse and validate once per document, pick the operation, plan it, check its
arguments and cost.

Parsing and validating cost far more than executing a small query (DESIGN.md),
so both outcomes, success or the errors, are cached per document text in a
bounded LRU: immutable per-release data, allowed in process. A document's plans
(`planner/`) are kept with it.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import VariableValues, get_variable_values
from graphql.validation import NoSchemaIntrospectionCustomRule

from app import errors, limits
from planner.build import build, condition_variables
from planner.cost import Arguments, check_bounds, estimate
from planner.plan import Plan

MAX_CACHED_DOCUMENT_CHARS = 64 * 1024
NO_VARIABLES = VariableValues({}, {})
MAX_PLANS_PER_DOCUMENT = 16
"""Plans differ only by the values of `@skip`/`@include` variables; beyond this many
combinations a document's plans are made per request rather than kept."""


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed and validated document, ready to execute any of its operations."""

    hash: str
    node: DocumentNode
    operations: Mapping[str | None, OperationDefinitionNode]
    fragments: Mapping[str, FragmentDefinitionNode]
    conditions: tuple[str, ...] = ()
    """The variables `@skip`/`@include` read: the plans depend on their values only."""
    plans: dict[tuple[Any, ...], Plan] = field(default_factory=dict, compare=False)
    compiled_ns: tuple[int, int] = field(default=(0, 0), compare=False)
    """When it was parsed and validated (`time.time_ns()`, start and end): the request that
    did it shows that work in its trace."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """The operation chosen, its variables coerced and its plan found: enough to name its
    answer in the response cache, before its arguments and cost are checked."""

    document: Document
    node: OperationDefinitionNode
    name: str | None
    variables: VariableValues
    plan: Plan


@dataclass(frozen=True, slots=True)
class Operation:
    document: Document
    node: OperationDefinitionNode
    name: str | None
    kind: OperationType
    variables: VariableValues
    cost: int
    plan: Plan
    arguments: Arguments


def document_hash(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _locations(error: GraphQLError) -> list[dict[str, int]] | None:
    if not error.locations:
        return None
    return [{"line": loc.line, "column": loc.column} for loc in error.locations]


class Admission:
    """Turns query text into an executable operation, or refuses it with a coded error."""

    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        cache_size: int,
        introspection: bool,
        limits: limits.Limits,
    ) -> None:
        self._schema = schema
        self.limits = limits
        self._cache: OrderedDict[str, Document | errors.RequestError] = OrderedDict()
        self._cache_size = cache_size
        self._rules = list(specified_rules)
        if not introspection:
            self._rules.append(NoSchemaIntrospectionCustomRule)
        # "Did you mean 'product'?" tells a client the schema introspection would: where
        # introspection is off (production's default), errors make no suggestions either.
        self._hide_suggestions = not introspection

    def document(self, query: str) -> Document:
        cached = self._cache.get(query)
        if cached is None:
            cached = self._compile(query)
            if self._cache_size and len(query) <= MAX_CACHED_DOCUMENT_CHARS:
                self._cache[query] = cached
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(query)
        if isinstance(cached, errors.RequestError):
            raise cached
        return cached

    def _compile(self, query: str) -> Document | errors.RequestError:
        started = time.time_ns()
        try:
            node = parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLError as exc:
            if "Document contains more than" in exc.message:
                return limits.too_expensive(
                    errors.MAX_TOKENS_LIMIT, "tokens", self.limits.max_tokens,
                    self.limits.max_tokens + 1,
                )
            return errors.RequestError(
                errors.GRAPHQL_PARSE_FAILED, exc.message, 400, status_json=200,
                locations=_locations(exc),
            )
        try:
            limits.check(node, self.limits)
        except errors.RequestError as refusal:
            return refusal
        problems = validate(self._schema, node, self._rules, max_errors=20,
                            hide_suggestions=self._hide_suggestions)
        if problems:
            first = problems[0]
            return errors.RequestError(
                errors.GRAPHQL_VALIDATION_FAILED, first.message, 400, status_json=200,
                locations=_locations(first),
                extensions={"validationErrors": [p.message for p in problems[1:]]}
                if len(problems) > 1 else None,
            )
        operations: dict[str | None, OperationDefinitionNode] = {}
        fragments: dict[str, FragmentDefinitionNode] = {}
        for definition in node.definitions:
            if isinstance(definition, OperationDefinitionNode):
                operations[definition.name.value if definition.name else None] = definition
            elif isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
        return Document(document_hash(query), node, operations, fragments,
                        condition_variables(node), compiled_ns=(started, time.time_ns()))

    @staticmethod
    def select(document: Document, operation_name: str | None) -> OperationDefinitionNode:
        """The operation the request names (or the only one)."""
        if operation_name:
            node = document.operations.get(operation_name)
            if node is None:
                raise errors.RequestError(
                    errors.BAD_REQUEST, f"Unknown operation named '{operation_name}'.", 400
                )
            return node
        if len(document.operations) == 1:
            return next(iter(document.operations.values()))
        raise errors.RequestError(
            errors.BAD_REQUEST, "The document has several operations: give operationName.", 400
        )

    def operation(
        self, document: Document, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> Operation:
        """Select the operation, coerce its variables, check argument ranges and cost."""
        return self.admit(self.prepare(document, operation_name, variables))

    def prepare(
        self, document: Document, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> Prepared:
        """Select the operation, coerce its variables and find its plan."""
        node = self.select(document, operation_name)
        coerced = get_variable_values(
            self._schema, node.variable_definitions or (),
            dict(variables or {}), max_errors=10, hide_suggestions=self._hide_suggestions,
        )
        if isinstance(coerced, list):
            raise errors.RequestError(
                errors.BAD_USER_INPUT, coerced[0].message, 400, status_json=200,
                locations=_locations(coerced[0]),
            )
        return Prepared(document, node, node.name.value if node.name else None, coerced,
                        self.plan(document, node, coerced))

    def admit(self, prepared: Prepared) -> Operation:
        """Check a prepared operation's argument ranges and estimated cost."""
        document, node, coerced, plan = (prepared.document, prepared.node, prepared.variables,
                                         prepared.plan)
        try:
            arguments = Arguments(plan, coerced)
        except GraphQLError as exc:
            raise errors.RequestError(
                errors.BAD_USER_INPUT, exc.message, 400, status_json=200,
                locations=_locations(exc),
            ) from None
        check_bounds(plan, arguments)
        requested = estimate(plan, arguments).cost
        if requested > self.limits.max_cost:
            raise limits.too_expensive(
                errors.COST_ESTIMATED_TOO_EXPENSIVE, "cost", self.limits.max_cost, requested
            )
        return Operation(
            document, node, prepared.name, node.operation, coerced, requested, plan, arguments,
        )

    def prewarm(self, document: Document) -> None:
        """Plan the document's operations now, when its plans depend on no variable."""
        if document.conditions:
            return
        for node in document.operations.values():
            self.plan(document, node, NO_VARIABLES)

    def plan(
        self, document: Document, node: OperationDefinitionNode, variables: VariableValues
    ) -> Plan:
        """The operation's plan for these variables' `@skip`/`@include` values, made once."""
        key = (node.name.value if node.name else None,
               *(variables.coerced.get(name) for name in document.conditions))
        found = document.plans.get(key)
        if found is None:
            found = build(self._schema, document.fragments, node, variables)
            if len(document.plans) < MAX_PLANS_PER_DOCUMENT:
                document.plans[key] = found
        return found
