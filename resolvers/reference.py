"""graphql-core's resolvers for the declared behaviours: the reference execution.

Each field gets one generic resolver made from its behaviour (`resolvers.declare`):
a `Read` is called, a `Load` awaits its loader for the one key, a `Call` is
awaited, and a field whose type is an entity turns its key(s) into entities by
loading their records. This is field-at-a-time execution, exactly as GraphQL
describes it; the planner (`planner/`) must give the same answers, and the
differential tests hold it to that. It runs documents the planner does not take
(introspection) and everything when `BFF_PLANNER=off`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    get_named_type,
)

from app.context import RequestContext
from loaders.batching import raise_outcome
from resolvers.declare import BEHAVIOUR, Behaviour, Call, Entity, Load, Read, attribute
from resolvers.entities import ENTITIES

_DEFINITION = "strawberry-definition"


class EntityRef:
    """An entity that exists: its key, and its record from the entity's loader."""

    __slots__ = ("key", "record")

    def __init__(self, key: Any, record: Any) -> None:
        self.key = key
        self.record = record


def behaviour_of(field: GraphQLField) -> Behaviour:
    """The field's declared behaviour, or the read of its Python-named attribute."""
    strawberry_field = field.extensions.get(_DEFINITION) if field.extensions else None
    if strawberry_field is None:
        raise LookupError("a field without a Strawberry definition")
    found: Behaviour | None = strawberry_field.metadata.get(BEHAVIOUR)
    return found if found is not None else attribute(strawberry_field.python_name)


def install(schema: GraphQLSchema) -> None:
    """Give every field of the schema's object types its reference resolver."""
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        parent_is_entity = named.name in ENTITIES
        for field in named.fields.values():
            target = ENTITIES.get(get_named_type(field.type).name)
            field.resolve = _resolver(behaviour_of(field), parent_is_entity, target)


Resolver = Callable[..., Any]


def _resolver(behaviour: Behaviour, parent_is_entity: bool, target: Entity | None) -> Resolver:
    finish: Callable[[Any, Behaviour, RequestContext], Any] = (
        _identity if target is None else _entities(target)
    )

    if isinstance(behaviour, Read):
        get = behaviour.get

        def read(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
            ctx = info.context
            value = get(source.record if parent_is_entity else source, args, ctx)
            return finish(value, behaviour, ctx)

        return read

    if isinstance(behaviour, Load):
        load = behaviour

        async def loaded(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
            ctx: RequestContext = info.context
            key = load.key(source.key if parent_is_entity else source, args, ctx)
            if key is None:
                return None
            value = load.value(await getattr(ctx.loaders, load.loader).load(key), args)
            return await _settle(finish(value, behaviour, ctx))

        return loaded

    call: Call = behaviour

    async def called(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        ctx: RequestContext = info.context
        value = await call.run(source.key if parent_is_entity else source, args, ctx)
        return await _settle(finish(value, behaviour, ctx))

    return called


def _identity(value: Any, behaviour: Behaviour, ctx: RequestContext) -> Any:
    return value


async def _settle(value: Any) -> Any:
    return await value if isinstance(value, Awaitable) else value


def _entities(entity: Entity) -> Callable[[Any, Behaviour, RequestContext], Any]:
    """Keys to entities: one (null when unknown), or a list (unknown ones null, or left out
    with `drop_missing`: then any failure fails the whole list)."""

    def finish(keys: Any, behaviour: Behaviour, ctx: RequestContext) -> Any:
        if keys is None:
            return None
        loader = getattr(ctx.loaders, entity.loader)
        if not isinstance(keys, Sequence) or isinstance(keys, str):
            return _one(loader, keys)
        if behaviour.drop_missing:
            return _known(loader, keys)
        return [_one(loader, key) for key in keys]

    return finish


async def _one(loader: Any, key: Any) -> EntityRef | None:
    record = await loader.load(key)
    return None if record is None else EntityRef(key, record)


async def _known(loader: Any, keys: Sequence[Any]) -> list[EntityRef]:
    records = await loader.load_many(keys)
    for record in records:
        raise_outcome(record)
    return [EntityRef(key, record) for key, record in zip(keys, records, strict=True)
            if record is not None]
