"""What "the same answer" means for the two executors, and the report when they differ.

`data` must be equal, key order included (GraphQL's result order is the
selection order), and so must the HTTP status, `extensions.cost` (requested
and actual) and `extensions.degraded`.

Errors are compared as (message, path, code, component), sorted by path,
after leaving out those inside a subtree that another error nulled.
graphql-core 3.3 records an error only if its position has not been nulled
already, and async completion order decides which errors inside a nulled
subtree come first, so which of those are reported is timing, not
behaviour. An error is left out when its nearest nullable position (itself,
or the closest ancestor whose type is nullable) has a proper ancestor that
is null in `data`. The types along a response path (aliases, fragments and
@skip/@include included) come from graphql-core's own field collection, not
from the BFF's code, so a mistake there cannot hide one in the executor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationType,
    parse,
)
from graphql.execution.collect_fields import (
    FieldDetailsList,
    GroupedFieldSet,
    collect_fields,
    collect_subfields,
)
from graphql.execution.executor import Executor

from tests.differential.exchange import Answer, Request

PathKey = tuple[str | int, ...]
ErrorKey = tuple[str, PathKey, str | None, str | None]


def ordered(value: Any) -> Any:
    """A JSON value with every object's key order made part of its equality."""
    if isinstance(value, dict):
        return [(key, ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [ordered(item) for item in value]
    return value


class _Positions:
    """Which response positions of an operation are nullable, from graphql-core's own
    field collection (the same `collect_fields` its executor uses)."""

    def __init__(self, schema: GraphQLSchema, executor: Executor) -> None:
        self.schema = schema
        self.executor = executor

    def root(self) -> tuple[GraphQLObjectType, GroupedFieldSet]:
        operation = self.executor.operation
        root = self.schema.get_root_type(operation.operation)
        assert root is not None
        collected = collect_fields(self.schema, self.executor.fragments,
                                   self.executor.variable_values, root, operation)
        return root, collected.grouped_field_set

    def nullable_along(self, path: PathKey) -> list[bool] | None:
        """For each prefix of `path` (length 1..n): is that position nullable?
        None when the path does not name positions of this operation."""
        parent, root_fields = self.root()
        grouped: GroupedFieldSet | None = root_fields
        found: list[bool] = []
        type_: GraphQLOutputType | None = None
        details: FieldDetailsList | None = None
        for segment in path:
            if isinstance(segment, str):
                if grouped is None or segment not in grouped:
                    return None
                details = grouped[segment]
                name = details[0].node.name.value
                definition = parent.fields.get(name) if parent is not None else None
                type_ = definition.type if definition is not None else (
                    GraphQLNonNull(GraphQLString) if name == "__typename" else None)
                if type_ is None:
                    return None
            else:
                inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
                if not isinstance(inner, GraphQLList):
                    return None
                type_ = inner.of_type
            found.append(not isinstance(type_, GraphQLNonNull))
            named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
            if isinstance(named, GraphQLObjectType) and details is not None:
                parent = named
                grouped = collect_subfields(self.schema, self.executor.fragments,
                                            self.executor.variable_values,
                                            self.executor.operation, named,
                                            details).grouped_field_set
            else:
                grouped = None  # a list (its items come next) or a leaf
        return found


def _is_null_at(data: Any, path: PathKey) -> bool:
    value = data
    for segment in path:
        if value is None:
            return True
        if isinstance(segment, int):
            if not isinstance(value, list) or segment >= len(value):
                return False
            value = value[segment]
        else:
            if not isinstance(value, dict) or segment not in value:
                return False
            value = value[segment]
    return value is None


def inside_nulled_subtree(positions: _Positions | None, data: Any, path: PathKey) -> bool:
    """Does this error lie under a position that is null because of another error?"""
    if positions is None:
        return False
    nullable = positions.nullable_along(path)
    if nullable is None:
        return False  # a path the operation does not have: compared, so it shows
    nearest = max((length for length in range(1, len(path) + 1) if nullable[length - 1]),
                  default=0)
    return any(_is_null_at(data, path[:length]) for length in range(nearest))


def _positions(schema: GraphQLSchema, request: Request) -> _Positions | None:
    try:
        document = parse(request.query)
    except GraphQLError:
        return None
    built = Executor.build(schema, document, raw_variable_values=request.variables or {},
                           operation_name=request.operation_name)
    if isinstance(built, list) or built.operation.operation is OperationType.SUBSCRIPTION:
        return None
    return _Positions(schema, built)


def error_key(error: dict[str, Any]) -> ErrorKey:
    extensions = error.get("extensions") or {}
    return (error.get("message", ""), tuple(error.get("path") or ()),
            extensions.get("code"), extensions.get("component"))


def _sort_key(key: ErrorKey) -> tuple[Any, ...]:
    return (tuple((isinstance(s, int), str(s).zfill(8) if isinstance(s, int) else s)
                  for s in key[1]), key[0], key[2] or "", key[3] or "")


@dataclass(frozen=True, slots=True)
class Comparable:
    """The parts of an answer both executors must agree on."""

    status: int
    data: Any
    has_data: bool
    errors: tuple[ErrorKey, ...]
    left_out: tuple[ErrorKey, ...]
    cost: tuple[Any, Any] | None
    degraded: Any


def comparable(schema: GraphQLSchema, request: Request, answer: Answer) -> Comparable:
    body = answer.body if isinstance(answer.body, dict) else {}
    data = body.get("data")
    has_data = "data" in body
    positions = _positions(schema, request) if has_data else None
    kept: list[ErrorKey] = []
    left_out: list[ErrorKey] = []
    for error in body.get("errors") or ():
        key = error_key(error)
        (left_out if inside_nulled_subtree(positions, data, key[1]) else kept).append(key)
    extensions = body.get("extensions") or {}
    cost = extensions.get("cost")
    return Comparable(
        answer.status, ordered(data), has_data,
        tuple(sorted(kept, key=_sort_key)), tuple(sorted(left_out, key=_sort_key)),
        (cost.get("requestedQueryCost"), cost.get("actualQueryCost"))
        if isinstance(cost, dict) else None,
        extensions.get("degraded"),
    )


def differences(schema: GraphQLSchema, request: Request, planned: Answer,
                reference: Answer) -> list[str]:
    """What differs between the two answers (empty when they agree)."""
    a, b = comparable(schema, request, planned), comparable(schema, request, reference)
    found = []
    for name in ("status", "has_data", "data", "errors", "cost", "degraded"):
        if getattr(a, name) != getattr(b, name):
            found.append(name)
    return found


def first_difference(a: Any, b: Any, path: tuple[str | int, ...] = ()) -> str | None:
    """Where two JSON values first differ (key order included), and how."""
    where = ".".join(map(str, path)) or "(top)"
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{where}: keys {list(a)} / {list(b)}"
        for key in a:
            found = first_difference(a[key], b[key], (*path, key))
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} / {len(b)} items"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, (*path, index))
            if found:
                return found
        return None
    if a != b or type(a) is not type(b):
        return f"{where}: {json.dumps(a)[:300]} / {json.dumps(b)[:300]}"
    return None


def report(schema: GraphQLSchema, request: Request, planned: Answer, reference: Answer,
           found: list[str]) -> str:
    """The request, what differs (planned / reference), and both answers whole."""
    a, b = comparable(schema, request, planned), comparable(schema, request, reference)
    lines = [f"planned and reference executors differ in {', '.join(found)}",
             request.describe()]
    if "data" in found:
        body_a = planned.body if isinstance(planned.body, dict) else {}
        body_b = reference.body if isinstance(reference.body, dict) else {}
        lines.append("data, first difference (planned / reference): "
                     f"{first_difference(body_a.get('data'), body_b.get('data'))}")
    if "errors" in found:
        lines.append(f"errors only planned has: {sorted(set(a.errors) - set(b.errors))}")
        lines.append(f"errors only reference has: {sorted(set(b.errors) - set(a.errors))}")
    for name in ("status", "cost", "degraded"):
        if name in found:
            lines.append(f"{name} (planned / reference): {getattr(a, name)} / "
                         f"{getattr(b, name)}")

    def whole(answer: Answer) -> str:
        if not isinstance(answer.body, dict):
            return f"HTTP {answer.status} {answer.text[:2000]}"
        body = dict(answer.body)
        extensions = {k: v for k, v in (body.get("extensions") or {}).items()
                      if k != "trace"}
        body.pop("extensions", None)
        if extensions:
            body["extensions"] = extensions
        return f"HTTP {answer.status} {json.dumps(body)[:20000]}"

    lines += ["--- planned (BFF_PLANNER=on)", whole(planned),
              "--- reference (BFF_PLANNER=off)", whole(reference)]
    return "\n".join(lines)


def assert_same(schema: GraphQLSchema, request: Request, planned: Answer,
                reference: Answer) -> None:
    found = differences(schema, request, planned, reference)
    assert not found, report(schema, request, planned, reference, found)
