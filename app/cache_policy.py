"""HTTP caching of persisted GETs: cache hints → Cache-Control, strong ETag, 304.

Hints are declared on schema fields as metadata (`cache_hint(...)`, next to
the Strawberry types) and read here. A response's freshness is computed from
the fields it actually returned (HTTP.md "Cache hints"):
- max-age is the minimum over the returned fields' hints, never above
  `BFF_RESPONSE_CACHE_MAX_TTL_S`; a field without a hint inherits its
  parent's, and a root field without one allows no caching (max-age 0);
- `private` if any returned field is per-user. A per-user field counts when
  the request is signed in or the field has a value: an anonymous request's
  null `viewer` carries nobody's data;
- private data gets max-age 0 (`no-store`) unless `BFF_CACHE_PRIVATE=true`,
  then `PRIVATE_MAX_AGE_S`;
- mutations, responses with errors and degraded responses are `no-store`.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)

from app.admission import Operation

PRIVATE_MAX_AGE_S = 30
NO_STORE = "no-store"
VARY = "Accept, Authorization, Cookie"
_DEFINITION = "strawberry-definition"


class Scope(enum.Enum):
    PUBLIC = "public"
    PRIVATE = "private"
    PER_USER_WHEN_SIGNED_IN = "per-user-when-signed-in"
    """Public for anonymous requests, private when signed in (per user or segment)."""


@dataclass(frozen=True, slots=True)
class CacheHint:
    """`max_age` None: the private default (0, or PRIVATE_MAX_AGE_S with BFF_CACHE_PRIVATE)."""

    max_age: int | None
    scope: Scope


def cache_hint(max_age: int | None = None, scope: Scope = Scope.PUBLIC) -> dict[str, Any]:
    """Field metadata: how long the field's data may be cached, and by whom."""
    if max_age is None and scope is not Scope.PRIVATE:
        raise ValueError("public hints need a max_age")
    return {"cache": CacheHint(max_age, scope)}


def hint_of(field: GraphQLField) -> CacheHint | None:
    strawberry_field = field.extensions.get(_DEFINITION) if field.extensions else None
    if strawberry_field is None:
        return None
    hint: CacheHint | None = strawberry_field.metadata.get("cache")
    return hint


@dataclass(frozen=True, slots=True)
class Freshness:
    max_age: int
    private: bool

    @property
    def cacheable(self) -> bool:
        return self.max_age > 0

    def header(self) -> str:
        if self.max_age <= 0:
            return "private, no-store" if self.private else NO_STORE
        return f"{'private' if self.private else 'public'}, max-age={self.max_age}"


class CachePolicy:
    """Per process: the schema's hints and the caching settings."""

    def __init__(self, schema: GraphQLSchema, *, cache_private: bool, max_ttl_s: int) -> None:
        self._schema = schema
        self._private_max_age = PRIVATE_MAX_AGE_S if cache_private else 0
        self._max_ttl_s = max_ttl_s

    def freshness(self, operation: Operation, data: Any, *, signed_in: bool) -> Freshness:
        """Freshness of a complete, non-degraded result of `operation`."""
        if operation.kind is not OperationType.QUERY or not isinstance(data, dict):
            return Freshness(0, False)
        root = self._schema.get_root_type(operation.kind)
        assert root is not None  # the operation was validated
        walk = _Walk(self._schema, operation, signed_in, self._private_max_age, self._max_ttl_s)
        walk.selections(root, operation.node.selection_set, data, root_level=True)
        return Freshness(min(walk.max_age, self._max_ttl_s), walk.private)


class _Walk:
    """Folds the hints of every field present in the response data."""

    def __init__(
        self, schema: GraphQLSchema, operation: Operation, signed_in: bool,
        private_max_age: int, max_ttl_s: int,
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.signed_in = signed_in
        self.private_max_age = private_max_age
        self.max_age = max_ttl_s
        self.private = False

    def selections(
        self, parent: GraphQLObjectType, selection_set: SelectionSetNode,
        value: Mapping[str, Any], *, root_level: bool = False,
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self.field(parent, selection, value, root_level)
            elif isinstance(selection, InlineFragmentNode):
                self.selections(
                    self._condition(parent, selection), selection.selection_set, value,
                    root_level=root_level,
                )
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.operation.document.fragments.get(selection.name.value)
                if fragment is not None:
                    self.selections(
                        self._condition(parent, fragment), fragment.selection_set, value,
                        root_level=root_level,
                    )

    def _condition(self, parent: GraphQLObjectType, node: Any) -> GraphQLObjectType:
        condition = node.type_condition
        if condition is None:
            return parent
        named = self.schema.get_type(condition.name.value)
        return named if isinstance(named, GraphQLObjectType) else parent

    def field(
        self, parent: GraphQLObjectType, node: FieldNode, value: Mapping[str, Any],
        root_level: bool,
    ) -> None:
        key = node.alias.value if node.alias else node.name.value
        if key not in value or node.name.value == "__typename":
            return
        field_value = value[key]
        definition = parent.fields.get(node.name.value)
        hint = hint_of(definition) if definition is not None else None
        if hint is not None:
            self.apply(hint, field_value)
        elif root_level:
            self.max_age = 0  # an unhinted root field (introspection, say) is never cached
        if definition is None or node.selection_set is None or field_value is None:
            return
        named = get_named_type(definition.type)
        if isinstance(named, GraphQLObjectType):
            for item in _objects(field_value):
                self.selections(named, node.selection_set, item)

    def apply(self, hint: CacheHint, field_value: Any) -> None:
        per_user = hint.scope is Scope.PRIVATE and (self.signed_in or field_value is not None)
        per_user |= hint.scope is Scope.PER_USER_WHEN_SIGNED_IN and self.signed_in
        if per_user:
            self.private = True
        if hint.scope is Scope.PRIVATE:
            if per_user:
                self.max_age = min(self.max_age, self.private_max_age, *(
                    (hint.max_age,) if hint.max_age is not None else ()
                ))
        elif hint.max_age is not None:
            self.max_age = min(self.max_age, hint.max_age)


def _objects(value: Any) -> list[Mapping[str, Any]]:
    """The objects in a field's value (lists flattened, nulls skipped)."""
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        found: list[Mapping[str, Any]] = []
        for item in value:
            found.extend(_objects(item))
        return found
    return []


def etag(body: bytes) -> str:
    """A strong validator: the same bytes, the same tag."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """`If-None-Match` (RFC 9110 13.1.2: weak comparison) against our tag."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = tag.removeprefix("W/")
    return any(
        candidate.strip().removeprefix("W/") == opaque for candidate in if_none_match.split(",")
    )
