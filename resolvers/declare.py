"""How a field gets its value: the vocabulary both executors read.

Every field of the schema is declared as one of three behaviours, next to its
cost and cache metadata (`schema/`), and executed in one of two ways: by the
planner (`planner/`), which runs a list level at once and starts each load as
soon as its keys are known, or by graphql-core through `resolvers.reference`
(the reference, and the fallback for documents the planner does not take).
A field nobody declared reads the source's attribute of its Python name.

- `Read`: computed from what is at hand (the source, the arguments, the request).
- `Load`: one key per source through one of the request's loaders (`loaders.Loaders`),
  so the planner sends a whole list level's keys in one batch.
- `Call`: a value that takes more than one keyed load (a chain, or following pages):
  one call per source.

Entity types (`Entity`, e.g. Product keyed by its id) are handed around as their
keys: a field whose type is an entity yields the key (or keys), the entity's
loader says whether it exists (unknown: null, or left out of the list with
`drop_missing`), and its `Load`s and `Call`s need only the key, so they start
before the entity's own record arrives. Its `Read`s get that record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.context import RequestContext

Args = Mapping[str, Any]
"""A field's arguments as graphql-core coerces them (GraphQL names; input objects as dicts)."""

@dataclass(frozen=True, slots=True)
class Read:
    """`attr`: the value is that attribute of the source (the planner reads it directly)."""

    get: Callable[[Any, Args, RequestContext], Any]
    drop_missing: bool = False
    attr: str | None = None


@dataclass(frozen=True, slots=True)
class Load:
    """`key` None: nothing to load, the field is null. `value` maps the loaded outcome (which
    may be None: the service does not know the key) to the field's value, or raises."""

    loader: str
    key: Callable[[Any, Args, RequestContext], Hashable | None]
    value: Callable[[Any, Args], Any] = field(default=lambda loaded, args: loaded)
    drop_missing: bool = False


@dataclass(frozen=True, slots=True)
class Call:
    """`component`: the service it calls (named when the deadline cuts it short)."""

    run: Callable[[Any, Args, RequestContext], Awaitable[Any]]
    component: str
    drop_missing: bool = False


Behaviour = Read | Load | Call


@dataclass(frozen=True, slots=True)
class Entity:
    """A type handed around by key; `loader` loads its record (None: it does not exist)."""

    loader: str


BEHAVIOUR = "resolve"
"""The field metadata key under which a behaviour is declared."""


def declared(behaviour: Behaviour) -> dict[str, Any]:
    """Field metadata: how the field gets its value."""
    return {BEHAVIOUR: behaviour}


def attribute(name: str) -> Read:
    """The default behaviour: the source's attribute `name`."""
    return Read(lambda source, args, ctx: getattr(source, name), attr=name)


def constant(value: Any) -> Read:
    return Read(lambda source, args, ctx: value)
