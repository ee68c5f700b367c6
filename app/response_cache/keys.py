"""What identifies a cached answer.

A key is the digest of the schema fingerprint, the document hash, the
operation's name and its variables as coerced (defaults applied, values of
their declared types, object keys sorted: `{"first": 20, "query": "lamp"}`,
the same in another order, or with `first` left to its default of 20, is one
key), plus its scope: public, or one user's.

The fingerprint is a hash of the printed schema and of what else shows in the
bytes (`BFF_MAX_COST`, as `extensions.cost.maximumAvailable`) or in their
format: a deploy that changes a response's shape never meets an entry written
before it.

Scope: an operation whose plan returns per-user fields (`viewer`, cart,
personalised recommendations and promotions) is, for a signed-in request,
keyed by that user, and cached only with `BFF_CACHE_PRIVATE=true`. Everything
else is public: the same bytes for every client, signed in or not (cache hints
say no per-user field is in them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLSchema, OperationType, print_schema

from app.cache_policy import Scope
from planner.plan import Plan

FORMAT = b"bff-response-cache/1"
"""The entry format; bumped when what is stored changes."""
_USER_SCOPES = frozenset({Scope.PRIVATE, Scope.PER_USER_WHEN_SIGNED_IN})


@dataclass(frozen=True, slots=True)
class Key:
    """`user`: the hashed user id of a private key, None for a public one."""

    digest: str
    user: str | None = None

    @property
    def private(self) -> bool:
        return self.user is not None


def fingerprint(schema: GraphQLSchema, max_cost: int) -> str:
    """The release's cache version: the printed schema and what else shapes the bytes."""
    material = b"\0".join((FORMAT, print_schema(schema).encode(), str(max_cost).encode()))
    return hashlib.sha256(material).hexdigest()


def user_dependent(plan: Plan) -> bool:
    """Whether the operation returns per-user fields when signed in (by its cache hints)."""
    return any(f.hint is not None and f.hint.scope in _USER_SCOPES for f in plan.fields)


def user_scope(user_id: str) -> str:
    return hashlib.sha256(b"user\0" + user_id.encode()).hexdigest()[:32]


def make_key(
    version: str, document_hash: str, operation_name: str | None,
    variables: Mapping[str, Any], plan: Plan, user_id: str | None, *, cache_private: bool,
) -> Key | None:
    """The key of a query operation's answer; None when it may not be cached (a mutation, or
    per-user data without `BFF_CACHE_PRIVATE`)."""
    if plan.kind is not OperationType.QUERY:
        return None
    user = None
    if user_id is not None and user_dependent(plan):
        if not cache_private:
            return None
        user = user_scope(user_id)
    canonical = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS, default=str)
    digest = hashlib.sha256(b"\0".join((
        version.encode(), document_hash.encode(), (operation_name or "").encode(), canonical,
    ))).hexdigest()
    return Key(digest, user)
