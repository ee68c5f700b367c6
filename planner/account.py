"""Reading a finished response through its plan: actual cost, and cache freshness.

Planned execution counts actual cost while it completes (`planner.complete`);
a response graphql-core executed is counted here, by the same weights. Cache
freshness (HTTP.md "Cache hints") is folded from the hints of the fields the
response returned, whichever executor made it:
- max-age is the minimum over the returned fields' hints, never above
  `BFF_RESPONSE_CACHE_MAX_TTL_S`; a field without a hint inherits its parent's,
  and a root field without one allows no caching (max-age 0);
- `private` if any returned field is per-user. A per-user field counts when
  the request is signed in or the field has a value: an anonymous request's
  null `viewer` carries nobody's data;
- private data gets max-age 0 (`no-store`) unless `BFF_CACHE_PRIVATE=true`.

The fold visits only what can change its answer (`_floor`), so folding a page of
twenty products costs about what folding one does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import OperationType

from app.cache_policy import CacheHint, Freshness, Scope
from planner.plan import TYPENAME, Plan, Selection


def actual_cost(plan: Plan, data: Mapping[str, Any] | None) -> int:
    """What the response really cost: the plan's weights, lists counted as returned."""
    return 0 if data is None else _cost(plan.root, data)


def _cost(selection: Selection, value: Mapping[str, Any]) -> int:
    total = selection.weight
    for f in selection.fields:
        child = f.child
        if child is None:
            continue
        for item in _objects(value.get(f.key)):
            total += _cost(child, item)
    return total


def freshness(
    plan: Plan, data: Mapping[str, Any], *, signed_in: bool, private_max_age: int,
    max_ttl_s: int,
) -> Freshness:
    """Freshness of a complete, non-degraded result (a mutation's is none)."""
    if plan.kind is not OperationType.QUERY:
        return Freshness(0, False)
    fold = _Fold(signed_in, private_max_age, max_ttl_s)
    fold.selection(plan.root, data, root_level=True)
    return Freshness(min(fold.max_age, max_ttl_s), fold.private)


class _Fold:
    def __init__(self, signed_in: bool, private_max_age: int, max_ttl_s: int) -> None:
        self.signed_in = signed_in
        self.private_max_age = private_max_age
        self.max_age = max_ttl_s
        self.private = False

    def selection(
        self, selection: Selection, value: Mapping[str, Any], *, root_level: bool = False
    ) -> None:
        for f in selection.fields:
            if f.kind == TYPENAME or f.key not in value:
                continue
            field_value = value[f.key]
            if f.hint is not None:
                self.apply(f.hint, field_value)
            elif root_level:
                self.max_age = 0  # an unhinted root field (introspection, say) is never cached
            child = f.child
            if child is None:
                continue
            floor, per_user = _floor(child)
            if floor >= self.max_age and not per_user:
                continue  # nothing below can lower the max-age nor make it private
            for item in _objects(field_value):
                self.selection(child, item)

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


_FLOORS: dict[int, tuple[Selection, int, bool]] = {}
_MAX_FLOORS = 50_000
_NO_FLOOR = 1 << 31


def _floor(selection: Selection) -> tuple[int, bool]:
    """The least public max-age hinted anywhere in the selection's subtree, and whether a
    per-user hint is there: the fold skips a subtree that could change nothing (after the
    first product of a page, the other nineteen). Kept per selection object (plans are
    immutable), the object held so its id is not reused."""
    found = _FLOORS.get(id(selection))
    if found is not None:
        return found[1], found[2]
    floor, per_user = _NO_FLOOR, False
    for f in selection.fields:
        hint = f.hint
        if hint is not None:
            if hint.scope is not Scope.PUBLIC:
                per_user = True
            elif hint.max_age is not None:
                floor = min(floor, hint.max_age)
        if f.child is not None:
            below, user_below = _floor(f.child)
            floor, per_user = min(floor, below), per_user or user_below
    if len(_FLOORS) >= _MAX_FLOORS:
        _FLOORS.clear()
    _FLOORS[id(selection)] = (selection, floor, per_user)
    return floor, per_user


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
