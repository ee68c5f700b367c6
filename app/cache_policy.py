"""HTTP caching of persisted GETs: cache hints, Cache-Control, strong ETag, 304.

Hints are declared on schema fields as metadata (`cache_hint(...)`, next to
the Strawberry types); a response's freshness is folded from the hints of the
fields it returned, through its plan (`planner.account`). Mutations, responses
with errors and degraded responses are `no-store`.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
)

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


def private_max_age(cache_private: bool) -> int:
    """The max-age of per-user data: none (`no-store`) unless `BFF_CACHE_PRIVATE=true`."""
    return PRIVATE_MAX_AGE_S if cache_private else 0


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
