"""Valid queries drawn from the served schema (hypothesis strategies).

The generator walks graphql-core's schema, not a list of known queries, so a
field added to the schema is generated too. It aims at what an executor of
its own is likely to get wrong: nested selections, aliases (the same field
twice with different arguments), named fragments (nested, reused) and
inline fragments (with and without a type condition), @skip/@include with
literal and variable conditions, `__typename` anywhere, and above all empty
selections: sets made only of `__typename`, sets whose every field is
skipped, and fragments whose every field is excluded, at every level.

Argument values stay within the bounds the schema declares (read through
`schema_facts.bounds`), given as literals or through variables with and
without defaults: known and unknown product ids, search phrases the demo
knows, postcodes. A fan-out budget (the product of list sizes along a
path) keeps most queries under the server's cost limit, and every drawn
document is validated by graphql-core (`validate` and variable coercion)
inside the strategy: invalid ones are rejected there, and test_generator.py
checks that they are rare, so a generator bug cannot quietly shrink the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    get_named_type,
    parse,
    validate,
)
from graphql.execution.executor import Executor
from graphql.pyutils import Undefined
from hypothesis import strategies as st

from tests.differential.aims import MAX_DEPTH, SERVICE_FIELDS, distances
from tests.differential.schema_facts import SCHEMA, bounds
from tests.differential.values import KNOWN_IDS, PHRASES, POSTCODES, UNKNOWN_IDS, literal

ROOT_BUDGET = 40  # the product of list sizes along a path, at most
MAX_ALIASES = 20
MAX_FRAGMENT_NESTING = 2
MAX_SELECTIONS = 30
LIGHT_BUDGET, LIGHT_SELECTIONS = 6, 12  # queries that must finish well inside 300 ms
EMPTY_SHAPES = ("typename", "skipped", "excluded-fragment")


@dataclass(frozen=True, slots=True)
class Generated:
    """A document and its variables; printed whole when hypothesis reports a failure."""

    query: str
    variables: dict[str, Any]

    def __repr__(self) -> str:
        return f"Generated(\nquery='''\n{self.query}\n''',\nvariables={json.dumps(self.variables)})"


class _Builder:
    """One document being drawn: its variables, fragments and counters."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any],
                 focus: dict[str, int], light: bool = False, empty_focus: bool = False,
                 empty_root: bool = False) -> None:
        self.draw = draw
        self.focus = focus
        self.empty_focus = empty_focus
        self.empty_root = empty_root
        self.budget = LIGHT_BUDGET if light else ROOT_BUDGET
        self.definitions: list[str] = []
        self.values: dict[str, Any] = {}
        self.fragments: list[str] = []
        self.reusable: dict[str, list[str]] = {}
        self.count = 0
        self.aliases = 0
        self.keys: dict[tuple[str, str], tuple[str, str]] = {}
        self.selections_left = LIGHT_SELECTIONS if light else MAX_SELECTIONS

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def chance(self, percent: int) -> bool:
        return bool(self.draw(st.integers(0, 99)) < percent)

    # ------------------------------------------------------------ directives

    def condition(self, value: bool) -> str:
        """`value`, literal or through a variable (with or without a default)."""
        form = self.draw(st.sampled_from(["literal", "required", "default", "default-sent"]))
        if form == "literal":
            return literal(value)
        name = self.fresh("b")
        if form == "required":
            self.definitions.append(f"${name}: Boolean!")
            self.values[name] = value
        elif form == "default":
            self.definitions.append(f"${name}: Boolean = {literal(value)}")
        else:
            self.definitions.append(f"${name}: Boolean = {literal(not value)}")
            self.values[name] = value
        return f"${name}"

    def directives(self, kind: str) -> str:
        """"" (none), "in" (conditions that keep the selection), "out" (that drop it)."""
        if kind == "none":
            return ""
        keep = kind == "in"
        form = self.draw(st.sampled_from(["skip", "include", "both"]))
        if form == "skip":
            return f" @skip(if: {self.condition(not keep)})"
        if form == "include":
            return f" @include(if: {self.condition(keep)})"
        if keep:
            return f" @include(if: {self.condition(True)}) @skip(if: {self.condition(False)})"
        first_out = self.chance(50)
        return (f" @include(if: {self.condition(not first_out)})"
                f" @skip(if: {self.condition(True)})")

    def presence(self) -> str:
        return str(self.draw(st.sampled_from(["none"] * 6 + ["in", "out"])))

    # ------------------------------------------------------------ arguments

    def argument_value(self, field: GraphQLField, name: str, argument: GraphQLArgument,
                       budget: int) -> Any:
        declared = bounds(field).get(name)
        named = get_named_type(argument.type)
        if name == "ids" or (isinstance(_unwrap(argument.type), GraphQLList)
                             and named is GraphQLID):
            low, high = declared or (0, 50)
            size = self.draw(st.integers(low, max(low, min(high, budget, 6))))
            return [self.product_id() for _ in range(size)]
        if named is GraphQLInt:
            low, high = declared or (1, 5)
            return self.draw(st.integers(low, max(low, min(high, budget))))
        if name == "id" or named is GraphQLID:
            return self.product_id()
        if name == "query":
            return self.draw(st.sampled_from(PHRASES))
        if name == "postcode":
            return self.draw(st.sampled_from(POSTCODES))
        if name == "after":
            return self.draw(st.sampled_from(["bogus!", ""]))
        if named is GraphQLBoolean:
            return self.draw(st.booleans())
        if isinstance(named, GraphQLEnumType):
            return self.draw(st.sampled_from(sorted(named.values)))
        if named is GraphQLString:
            return "x"
        raise NotImplementedError(f"no values for {field}({name}: {argument.type})")

    def product_id(self) -> str:
        if self.chance(15):
            return str(self.draw(st.sampled_from(UNKNOWN_IDS)))
        if self.chance(50):
            return str(self.draw(st.sampled_from(KNOWN_IDS)))
        return f"p{self.draw(st.integers(1, 5000)):04d}"

    def arguments(self, field: GraphQLField, budget: int) -> tuple[str, int]:
        """The argument list's text and the list size it asks for (1 when none)."""
        parts: list[str] = []
        size = 1
        for name, argument in field.args.items():
            optional = argument.default_value is not Undefined or not isinstance(
                argument.type, GraphQLNonNull)
            # left out only when its default fits the budget (search's 20 may not)
            may_omit = optional and not _exceeds(argument.default_value, budget)
            if optional and name == "after" and not self.chance(10):
                continue
            if may_omit and self.chance(35):
                effective = argument.default_value
            elif may_omit and not isinstance(argument.type, GraphQLNonNull) \
                    and self.chance(8):  # an explicit null: the field's own default applies
                effective = argument.default_value
                parts.append(f"{name}: {self.null(argument)}")
            else:
                value = self.argument_value(field, name, argument, budget)
                effective, text = self.pass_argument(argument, value, may_omit)
                parts.append(f"{name}: {text}")
            if isinstance(effective, list):
                size = max(size, len(effective))
            elif isinstance(effective, int) and not isinstance(effective, bool) \
                    and name == "first":
                size = max(size, effective)
        return (f"({', '.join(parts)})" if parts else ""), size

    def pass_argument(self, argument: GraphQLArgument, value: Any,
                      may_omit: bool) -> tuple[Any, str]:
        """A literal, or a variable (declared as the argument's type, stricter, or with a
        default): the value the field gets, and the text. A nullable variable may be left
        out of the variables (`may_omit`): then the argument is absent."""
        if self.chance(55):
            return value, literal(value)
        variable = self.fresh("v")
        type_ = argument.type
        nullable = not isinstance(type_, GraphQLNonNull)
        base = str(type_.of_type if isinstance(type_, GraphQLNonNull) else type_)
        form = self.draw(st.sampled_from(["same", "strict", "default", "default-omitted"]))
        if form == "strict" or (form == "same" and not nullable):
            self.definitions.append(f"${variable}: {base}!")
            self.values[variable] = value
            return value, f"${variable}"
        if form == "same":
            if may_omit and self.chance(30):
                self.definitions.append(f"${variable}: {base}")
                return argument.default_value, f"${variable}"
            self.definitions.append(f"${variable}: {base}")
            self.values[variable] = value
            return value, f"${variable}"
        self.definitions.append(f"${variable}: {base} = {literal(value)}")
        if form == "default":
            other = self.argument_value_like(value)
            self.values[variable] = other
            return other, f"${variable}"
        return value, f"${variable}"

    def null(self, argument: GraphQLArgument) -> str:
        """`null`, literal or through a nullable variable sent as null."""
        if self.chance(50):
            return "null"
        variable = self.fresh("v")
        self.definitions.append(f"${variable}: {argument.type}")
        self.values[variable] = None
        return f"${variable}"

    def argument_value_like(self, value: Any) -> Any:
        """Another value of the same kind and range (sent, overriding the default)."""
        if isinstance(value, int) and not isinstance(value, bool):
            return self.draw(st.integers(1, max(1, value)))
        return value

    # ------------------------------------------------------------ selections

    def selection_set(self, parent: GraphQLObjectType, depth: int, budget: int,
                      nesting: int = 0, toward: bool = False, shape: str | None = None) -> str:
        """`toward`: the set must hold, included, a field on the way to the focus;
        `shape`: one of SHAPES, else drawn."""
        if toward:
            items = [self.item(parent, depth, budget, nesting, self.presence())
                     for _ in range(self.draw(st.sampled_from([0, 0, 1, 2])))]
            at = self.draw(st.integers(0, len(items)))
            items.insert(at, self.toward_focus(parent, depth, budget))
            return "{ " + " ".join(items) + " }"
        if depth < 0 or self.selections_left <= 0:
            return "{ __typename }"  # the document is big enough
        if shape is None:
            shape = self.draw(st.sampled_from(["fields"] * 5 + list(EMPTY_SHAPES)))
        if shape == "typename":
            items = [self.typename("none") for _ in range(self.draw(st.integers(1, 2)))]
        elif shape == "skipped":
            items = [self.item(parent, depth, budget, nesting, "out")
                     for _ in range(self.draw(st.integers(1, 3)))]
        elif shape == "excluded-fragment":
            items = [self.excluded_fragment(parent, depth, budget, nesting)]
            if self.chance(30):
                items.append(self.typename("none"))
        else:
            items = [self.item(parent, depth, budget, nesting, self.presence())
                     for _ in range(self.draw(st.sampled_from([1, 1, 2, 2, 3, 4])))]
        return "{ " + " ".join(items) + " }"

    def item(self, parent: GraphQLObjectType, depth: int, budget: int, nesting: int,
             presence: str) -> str:
        self.selections_left -= 1
        kinds = ["field"] * 6 + ["typename"]
        if nesting < MAX_FRAGMENT_NESTING:
            kinds += ["inline", "spread"]
        kind = self.draw(st.sampled_from(kinds))
        if kind == "typename":
            return self.typename(presence)
        if kind == "inline":
            condition = f" on {parent.name}" if self.chance(50) else ""
            body = self.selection_set(parent, depth, budget, nesting + 1)
            return f"...{condition}{self.directives(presence)} {body}"
        if kind == "spread":
            return f"...{self.fragment(parent, depth, budget, nesting)}{self.directives(presence)}"
        return self.field(parent, depth, budget, presence)

    def typename(self, presence: str) -> str:
        alias = ""
        if self.aliases < MAX_ALIASES and self.chance(20):
            self.aliases += 1
            alias = f"{self.fresh('t')}: "
        return f"{alias}__typename{self.directives(presence)}"

    def fragment(self, parent: GraphQLObjectType, depth: int, budget: int,
                 nesting: int) -> str:
        """A fragment's name: one already written for this type, or a new one."""
        known = self.reusable.get(parent.name, [])
        if known and self.chance(30):
            return str(self.draw(st.sampled_from(known)))
        name = self.fresh("F")
        body = self.selection_set(parent, depth, budget, nesting + 1)
        self.fragments.append(f"fragment {name} on {parent.name} {body}")
        self.reusable.setdefault(parent.name, []).append(name)
        return name

    def excluded_fragment(self, parent: GraphQLObjectType, depth: int, budget: int,
                          nesting: int) -> str:
        """A fragment that adds nothing: excluded by its spread, or all its fields are."""
        form = self.draw(st.sampled_from(["spread-out", "inline-out", "all-out-named",
                                          "all-out-inline"]))
        if form == "spread-out":
            return f"...{self.fragment(parent, depth, budget, nesting)}{self.directives('out')}"
        if form == "inline-out":
            body = self.selection_set(parent, depth, budget, nesting + 1)
            return f"...{self.directives('out')} {body}"
        inner = " ".join(self.item(parent, depth, budget, MAX_FRAGMENT_NESTING, "out")
                         for _ in range(self.draw(st.integers(1, 3))))
        if form == "all-out-inline":
            return f"... on {parent.name} {{ {inner} }}"
        name = self.fresh("F")
        self.fragments.append(f"fragment {name} on {parent.name} {{ {inner} }}")
        return f"...{name}"

    def toward_focus(self, parent: GraphQLObjectType, depth: int, budget: int) -> str:
        """One field, kept in, that is a focus field or leads to one within `depth`."""
        self.selections_left -= 1
        names = sorted(name for name in parent.fields
                       if self.focus.get(f"{parent.name}.{name}", MAX_DEPTH + 1) <= depth)
        name = self.draw(st.sampled_from(names))
        further = self.focus[f"{parent.name}.{name}"] > 0
        shape = None
        if not further and self.empty_focus:
            shape = self.draw(st.sampled_from(EMPTY_SHAPES))
        # aimed at an empty selection, a fresh alias at each step keeps sibling selections
        # of the same field from merging into it
        return self.one_field(parent, name, depth, budget, self.draw(st.sampled_from(
            ["none", "none", "in"])), aliased=self.empty_focus, toward=further, shape=shape)

    def field(self, parent: GraphQLObjectType, depth: int, budget: int, presence: str) -> str:
        names = sorted(parent.fields)
        if depth <= 0:
            names = [n for n in names if not isinstance(
                get_named_type(parent.fields[n].type), GraphQLObjectType)] or names
        weighted = [n for n in names for _ in range(
            4 if f"{parent.name}.{n}" in self.focus else 1)]
        name = self.draw(st.sampled_from(weighted))
        text = self.one_field(parent, name, depth, budget, presence)
        field = parent.fields[name]
        if field.args and self.aliases < MAX_ALIASES and self.chance(20):
            # the same field again, under another alias, with other arguments
            text += " " + self.one_field(parent, name, depth, budget, self.presence(),
                                         aliased=True)
        return text

    def one_field(self, parent: GraphQLObjectType, name: str, depth: int, budget: int,
                  presence: str, aliased: bool = False, toward: bool = False,
                  shape: str | None = None) -> str:
        field = parent.fields[name]
        arguments, size = self.arguments(field, budget)
        key = name
        if self.aliases < MAX_ALIASES and (aliased or self.chance(20)):
            key = self.fresh("a")
            if not aliased and self.chance(10):  # another field's name as the alias
                key = self.draw(st.sampled_from(sorted(parent.fields)))
        key = self.response_key(parent, key, name, arguments)
        named = get_named_type(field.type)
        selection = ""
        if isinstance(named, GraphQLObjectType):
            if isinstance(_unwrap(field.type), GraphQLList) and size == 1 and not field.args:
                size = 5  # a list no argument sizes (cart items, promotions)
            below = max(1, budget // max(1, size))
            selection = " " + self.selection_set(named, depth - 1, below, toward=toward,
                                                 shape=shape)
        alias = f"{key}: " if key != name else ""
        return f"{alias}{name}{arguments}{self.directives(presence)}{selection}"

    def response_key(self, parent: GraphQLObjectType, key: str, name: str,
                     arguments: str) -> str:
        """`key`, unless it already names another field or other arguments on this type
        anywhere in the document (fragments merge, so that could make it invalid): then a
        fresh alias. Only a guard: graphql-core's validation has the last word."""
        taken = self.keys.get((parent.name, key))
        if taken is not None and taken != (name, arguments):
            self.aliases += 1
            key = self.fresh("a")
        elif key != name:
            self.aliases += 1
        self.keys[(parent.name, key)] = (name, arguments)
        return key

    # ------------------------------------------------------------ the document

    def document(self) -> Generated:
        root = SCHEMA.query_type
        assert root is not None
        body = self.selection_set(
            root, MAX_DEPTH, self.budget, toward=bool(self.focus),
            shape=self.draw(st.sampled_from(EMPTY_SHAPES)) if self.empty_root else None)
        if self.definitions:
            header = f"query Generated({', '.join(self.definitions)}) "
        else:
            header = "query Generated " if self.chance(50) else ""
        text = "\n".join([header + body, *self.fragments])
        return Generated(text, dict(self.values))


def _exceeds(default: Any, budget: int) -> bool:
    return isinstance(default, int) and not isinstance(default, bool) and default > budget


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def is_valid(case: Generated) -> bool:
    """graphql-core's verdict: the document validates and its variables coerce."""
    try:
        document = parse(case.query)
    except GraphQLError:
        return False
    if validate(SCHEMA, document):
        return False
    built = Executor.build(SCHEMA, document, raw_variable_values=case.variables)
    return not isinstance(built, list)


@st.composite
def raw_documents(draw: Callable[[st.SearchStrategy[Any]], Any],
                  service: str | None = None, light: bool = False,
                  empty_at: str | None = None) -> Generated:
    """Documents as drawn, before graphql-core's verdict (test_generator.py measures it)."""
    if empty_at == "Query":
        return _Builder(draw, {}, empty_root=True).document()
    if empty_at is not None:
        return _Builder(draw, distances(frozenset({empty_at})), empty_focus=True).document()
    focus = distances(SERVICE_FIELDS[service]) if service else {}
    return _Builder(draw, focus, light).document()


def empty_selections(level: str) -> st.SearchStrategy[Generated]:
    """Valid queries that select `level` ("Type.field", or "Query" for the root) with a
    selection that is only `__typename`, all skipped, or only excluded fragments."""
    return raw_documents(empty_at=level).filter(is_valid)


def documents(service: str | None = None, *, light: bool = False
              ) -> st.SearchStrategy[Generated]:
    """Valid queries; with `service`, each selects (kept in by its directives) a field that
    service feeds, and leans towards such fields elsewhere too; `light` ones fan out less
    (with a hanging service: the rest must be done long before the deadline)."""
    return raw_documents(service, light).filter(is_valid)
