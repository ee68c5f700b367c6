"""The plan of an operation: its collected fields, each with everything execution needs.

Made once per document (and per combination of the `@skip`/`@include`
variables' values) by `planner.build`, kept with the document, and read by
everything that used to walk the syntax tree on its own: argument ranges and
the estimated cost (`planner.cost`), the fetches (`planner.fetch`), the
response (`planner.complete`), actual cost and cache freshness
(`planner.account`). Plans are immutable; per-request state lives elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLObjectType, OperationType
from graphql.language.location import SourceLocation, get_location

from app.cache_policy import CacheHint
from resolvers.declare import Behaviour, Entity

# How a field's value is had (FieldPlan.kind).
TYPENAME = 0
"""`__typename`: the parent type's name."""
ATTR = 1
"""A read of the source's attribute `attr`, at completion."""
READ = 2
"""A `Read` called at completion."""
FETCHED = 3
"""Its value is prepared while fetching (`slot`): a `Load`, a `Call`, or a `Read` whose
value is an entity or has fetches below it."""
UNPLANNED = 4
"""Introspection (`__schema`, `__type`): the plan exists for cost and caching, but the
operation runs on graphql-core."""


class Shape:
    """A field's output type, unwrapped once: what completing a value of it takes."""

    __slots__ = ("enum_names", "item", "leaf", "non_null", "selection", "serialize")

    def __init__(self, non_null: bool) -> None:
        self.non_null = non_null
        self.item: Shape | None = None  # a list of these
        self.leaf: str | None = None  # "String", "Int", ... or "enum"/"custom"
        self.serialize: Callable[[Any], Any] | None = None
        self.enum_names: Mapping[Any, str] | None = None
        self.selection: Selection | None = None  # an object type


class FieldPlan:
    """One response key of one selection: the merged field nodes, and how to complete it."""

    __slots__ = (
        "args", "attr", "behaviour", "bounds", "child", "definition", "entity", "hint", "index",
        "is_list", "key", "kind", "list_size", "locations", "name", "nodes", "on_key", "parent",
        "shape", "slot", "weight",
    )

    def __init__(
        self, *, key: str, name: str, parent: GraphQLObjectType,
        definition: GraphQLField | None, nodes: tuple[FieldNode, ...], index: int,
    ) -> None:
        self.key = key
        self.name = name
        self.parent = parent
        self.definition = definition
        self.nodes = nodes
        self.index = index
        self.locations = [
            {"line": loc.line, "column": loc.column}
            for loc in (node_location(node) for node in nodes) if loc is not None
        ]
        self.kind = UNPLANNED
        self.behaviour: Behaviour | None = None
        self.attr: str | None = None
        self.on_key = False  # Load/Call on an entity: keyed by the entity's key
        self.entity: Entity | None = None  # the value is an entity's key, or a list of them
        self.slot = -1
        self.args: Mapping[str, Any] | None = None  # None: they depend on variables
        self.shape = Shape(False)
        self.is_list = False
        self.child: Selection | None = None  # the object selection below, lists unwrapped
        self.weight = 0
        self.list_size: Mapping[str, Any] = {}
        self.bounds: Mapping[str, tuple[int, int]] = {}
        self.hint: CacheHint | None = None

    @property
    def node(self) -> FieldNode:
        return self.nodes[0]

    def __repr__(self) -> str:
        return f"<FieldPlan {self.parent.name}.{self.name} as {self.key}>"


class Selection:
    """The fields selected on one object type at one place in the operation."""

    __slots__ = ("entity", "fetched", "fetches", "fields", "type", "weight")

    def __init__(self, type_: GraphQLObjectType, entity: Entity | None) -> None:
        self.type = type_
        self.entity = entity
        self.fields: tuple[FieldPlan, ...] = ()
        self.fetched: tuple[FieldPlan, ...] = ()  # the FETCHED fields, by slot
        self.fetches = entity is not None  # anything to fetch here or below
        self.weight = 0  # the sum of the fields' weights: actual cost per completed object


@dataclass(frozen=True, slots=True)
class Plan:
    """One operation of a document, for one combination of its conditions' values."""

    kind: OperationType
    root: Selection
    fields: tuple[FieldPlan, ...]
    """Every field plan, by `index`."""
    variable_args: tuple[FieldPlan, ...]
    """The fields whose arguments depend on variables: computed per request."""
    executable: bool
    """False when the operation has fields only graphql-core executes (introspection)."""
    deferred: bool = False
    """Some fields are under an active `@defer`. The fields are in the plan all the same
    (cost, ranges and freshness count them); the planner runs the operation when it is
    answered as one complete response, graphql-core's incremental executor when it is
    delivered in parts (`app.incremental`)."""


def node_location(node: FieldNode) -> SourceLocation | None:
    loc = node.loc
    if loc is None or loc.source is None:
        return None
    return get_location(loc.source, loc.start)
