"""The response, assembled from the plan and what the fetches gave, in one synchronous pass.

GraphQL's completion rules, exactly as graphql-core applies them when every
value is at hand: fields in selection order under their response keys; leaves
serialized by their type; a null or an error in a non-null position nulls the
nearest nullable parent (its later siblings are not completed, as graphql-core
stops there too); each error is reported once, with its `path` and the
`locations` of its field nodes. Actual cost falls out on the way: each object
completed adds its selection's weight, and an object nulled by a failure
below takes back what its children added.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from app import errors
from app.context import RequestContext
from planner.cost import Arguments
from planner.fetch import PENDING, Fetches, Node
from planner.plan import ATTR, FETCHED, TYPENAME, FieldPlan, Plan, Selection, Shape
from resolvers.declare import Call, Load

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1

Path = tuple[Any, str | int] | None
"""A response path as a chain (parent, key): made into a list only for an error."""


class _Nulled(Exception):
    """A non-null position failed (its error is recorded): null the nearest nullable one."""


_NULLED = _Nulled()


class _Failed(Exception):
    """An outcome that is a failure, raised where the position is completed."""

    def __init__(self, failure: BaseException) -> None:
        self.failure = failure


class Completion:
    """One request's response over one plan."""

    def __init__(
        self, plan: Plan, fetches: Fetches, arguments: Arguments, ctx: RequestContext,
        *, cut_short: bool,
    ) -> None:
        self.plan = plan
        self.fetches = fetches
        self.arguments = arguments
        self.ctx = ctx
        self.cut_short = cut_short
        self.cost = 0
        self.errors: list[tuple[BaseException, list[str | int], list[dict[str, int]]]] = []

    def data(self) -> dict[str, Any] | None:
        try:
            return self._object(self.plan.root, self.fetches.root, None, None)
        except _Nulled:
            self.cost = 0
            return None

    def _object(self, selection: Selection, node: Node | None, source: Any, path: Path
                ) -> dict[str, Any]:
        mark = self.cost
        values = node.values if node is not None else None
        out: dict[str, Any] = {}
        for f in selection.fields:
            kind = f.kind
            if kind == TYPENAME:
                out[f.key] = selection.type.name
                continue
            here = (path, f.key)
            try:
                if kind == ATTR:
                    value = getattr(source, f.attr)  # type: ignore[arg-type]
                elif kind == FETCHED:
                    value = values[f.slot]  # type: ignore[index]
                    if value is PENDING:
                        raise _Failed(self._late(f))
                    if isinstance(value, BaseException):
                        raise _Failed(value)
                else:
                    value = f.behaviour.get(source, self.arguments.of(f), self.ctx)  # type: ignore[union-attr]
                out[f.key] = self._value(f, f.shape, value, here)
            except _Nulled:
                if f.shape.non_null:
                    self.cost = mark
                    raise
                out[f.key] = None
            except Exception as failure:
                self._fail(failure, here, f)
                if f.shape.non_null:
                    self.cost = mark
                    raise _NULLED from None
                out[f.key] = None
        self.cost += selection.weight
        return out

    def _value(self, f: FieldPlan, shape: Shape, value: Any, path: Path) -> Any:
        if value is None:
            if shape.non_null:
                raise TypeError(
                    f"Cannot return null for non-nullable field {f.parent.name}.{f.name}."
                )
            return None
        leaf = shape.leaf
        if leaf is not None:
            return _leaf(shape, leaf, value)
        item = shape.item
        if item is not None:
            return self._list(f, item, value, path)
        selection = shape.selection
        assert selection is not None
        if selection.entity is not None:
            record = value.record
            if record is PENDING:
                raise _Failed(self._late(f, existence=True))
            if isinstance(record, BaseException):
                raise _Failed(record)
            if record is None:
                if shape.non_null:
                    raise TypeError(
                        f"Cannot return null for non-nullable field {f.parent.name}.{f.name}."
                    )
                return None
            return self._object(selection, value, record, path)
        if isinstance(value, Node):
            return self._object(selection, value, value.source, path)
        return self._object(selection, None, value, path)

    def _list(self, f: FieldPlan, item: Shape, value: Any, path: Path) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise TypeError(
                f"Expected Iterable, but did not find one for field '{f.parent.name}.{f.name}'."
            )
        if f.entity is not None and f.behaviour is not None and f.behaviour.drop_missing:
            value = self._known(f, value)
        mark = self.cost
        out = []
        for index, each in enumerate(value):
            here = (path, index)
            try:
                out.append(self._value(f, item, each, here))
            except _Nulled:
                if item.non_null:
                    self.cost = mark
                    raise
                out.append(None)
            except Exception as failure:
                self._fail(failure, here, f)
                if item.non_null:
                    self.cost = mark
                    raise _NULLED from None
                out.append(None)
        return out

    def _known(self, f: FieldPlan, nodes: Sequence[Any]) -> list[Any]:
        """The entities that exist; any that could not be looked up fails the whole list."""
        for node in nodes:
            if node is None:
                continue
            if node.record is PENDING:
                raise _Failed(self._late(f, existence=True))
            if isinstance(node.record, BaseException):
                raise _Failed(node.record)
        return [node for node in nodes if node is None or node.record is not None]

    def _late(self, f: FieldPlan, *, existence: bool = False) -> BaseException:
        """What a fetch that had not answered when the response was made reports."""
        if self.fetches.broken is not None and not self.cut_short:
            return self.fetches.broken
        behaviour = f.behaviour
        if existence and f.entity is not None:
            loader = f.entity.loader
        elif isinstance(behaviour, Load):
            loader = behaviour.loader
        else:
            loader = ""
        if isinstance(behaviour, Call) and not existence:
            component = behaviour.component
        else:
            component = getattr(self.ctx.loaders, loader).component if loader else "upstream"
        return errors.DependencyError(component, errors.DEADLINE_EXCEEDED, "not ready")

    def _fail(self, failure: BaseException, path: Path, f: FieldPlan) -> None:
        if isinstance(failure, _Failed):
            failure = failure.failure
        self.errors.append((failure, _as_list(path), f.locations))


def _leaf(shape: Shape, leaf: str, value: Any) -> Any:
    """A leaf as graphql-core serializes it; the common cases without a call."""
    kind = type(value)
    if leaf == "String" or leaf == "ID":
        if kind is str:
            return value
    elif leaf == "Int":
        if kind is int and _INT_MIN <= value <= _INT_MAX:
            return value
    elif leaf == "Float":
        if kind is float and math.isfinite(value):
            return value
    elif leaf == "Boolean":
        if kind is bool:
            return value
    elif leaf == "enum" and kind is str:
        name = shape.enum_names.get(value)  # type: ignore[union-attr]
        if name is not None:
            return name
    serialize = shape.serialize
    assert serialize is not None
    serialized = serialize(value)
    if serialized is None:
        raise TypeError(f"Expected a value of type {leaf} but received: {value!r}")
    return serialized


def _as_list(path: Path) -> list[str | int]:
    keys: list[str | int] = []
    while path is not None:
        path, key = path
        keys.append(key)
    keys.reverse()
    return keys
