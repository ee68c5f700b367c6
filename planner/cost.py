"""Before any upstream call: argument ranges, and what the operation will cost.

The model is the IBM cost directive specification's (`@cost`, `@listSize`),
declared as field metadata next to the Strawberry types (`schema/common.py`)
and settled per field in the plan (`planner.build`): a field costs its own
weight (declared, or 1 when it fetches an object: a `Load`, a `Call`, or an
entity), and a list multiplies its selection by its size: the slicing argument
(`first`, or the number of `ids`, capped by the argument's declared maximum),
the size a parent's slicing argument gives it (a connection's `edges`), or an
assumed size. The plan already honours fragments and `@skip`/`@include`; the
arguments come from the request (`Arguments`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLInputObjectType, get_named_type
from graphql.execution.values import VariableValues, get_argument_values

from app import errors
from app.upstream_http import plain_header_value
from planner.build import metadata
from planner.plan import TYPENAME, FieldPlan, Plan, Selection

DEFAULT_ASSUMED_SIZE = 10


class Arguments:
    """One request's argument values for a plan's fields (literals are the plan's own)."""

    __slots__ = ("_values",)

    def __init__(self, plan: Plan, variables: VariableValues) -> None:
        self._values = {
            f.index: get_argument_values(f.definition, f.node, variables)  # type: ignore[arg-type]
            for f in plan.variable_args
        }

    def of(self, field: FieldPlan) -> Mapping[str, Any]:
        found = field.args
        return found if found is not None else self._values[field.index]


@dataclass(slots=True)
class FieldCost:
    """One field's share of the total, for `bff cost`."""

    path: str
    weight: int
    multiplier: int
    total: int


@dataclass(slots=True)
class Estimate:
    cost: int
    fields: list[FieldCost] = field(default_factory=list)


def check_bounds(plan: Plan, arguments: Arguments) -> None:
    """Refuse argument values outside their declared ranges and lengths (BAD_USER_INPUT,
    never clamped)."""
    for f in plan.fields:
        if f.definition is not None and f.definition.args:
            check_field_bounds(f.definition, arguments.of(f))


def estimate(plan: Plan, arguments: Arguments, *, breakdown: bool = False) -> Estimate:
    """The operation's requested cost (and, with `breakdown`, each field's share)."""
    fields: list[FieldCost] | None = [] if breakdown else None
    total = _selection(plan.root, {}, "", arguments, fields)
    return Estimate(total, fields or [])


def _selection(
    selection: Selection, sized: Mapping[str, int], path: str, arguments: Arguments,
    fields: list[FieldCost] | None,
) -> int:
    total = 0
    for f in selection.fields:
        if f.kind == TYPENAME or f.behaviour is None:  # __typename and introspection: free
            continue
        list_size = f.list_size
        slicing = _slicing_value(f, arguments.of(f)) if list_size else None
        multiplier = 1
        if f.is_list:
            multiplier = sized.get(f.name) or slicing or list_size.get("assumed") \
                or DEFAULT_ASSUMED_SIZE
        child = f.child
        children = 0
        if child is not None:
            child_sized = {name: slicing or list_size.get("assumed") or DEFAULT_ASSUMED_SIZE
                           for name in list_size.get("sized_fields", ())} if list_size else {}
            key = (f"{path}.{f.key}" if path else f.key) if fields is not None else ""
            children = _selection(child, child_sized, key, arguments, fields)
        subtotal = f.weight + multiplier * children
        if fields is not None and (f.weight or children):
            fields.append(FieldCost(f"{path}.{f.key}" if path else f.key, f.weight, multiplier,
                                    subtotal))
        total += subtotal
    return total


def _slicing_value(f: FieldPlan, args: Mapping[str, Any]) -> int | None:
    """The size a slicing argument gives, capped by that argument's declared maximum."""
    argument = f.list_size.get("slicing")
    if argument is None or args.get(argument) is None:
        return None
    value = args[argument]
    size = len(value) if isinstance(value, list) else int(value)
    if argument in f.bounds:
        size = min(size, f.bounds[argument][1])
    return max(size, 0)


def check_field_bounds(definition: Any, values: Mapping[str, Any]) -> None:
    """Refuse argument values outside what their field declares (`bounds`, `max_length`,
    `header_value` in `schema.common`), and input-object fields' outside their own."""
    declared = metadata(definition)
    for name, value in values.items():
        _check_declared("Argument", name, value, declared)
        argument = definition.args.get(name)
        input_type = get_named_type(argument.type) if argument is not None else None
        if isinstance(input_type, GraphQLInputObjectType) and isinstance(value, dict):
            for field_name, input_field in input_type.fields.items():
                if field_name in value:
                    _check_declared("Input field", field_name, value[field_name],
                                    metadata(input_field))


def _check_declared(what: str, name: str, value: Any, declared: Mapping[str, Any]) -> None:
    ranges = declared.get("bounds")
    if ranges and name in ranges:
        _check_range(what, name, value, ranges[name])
    lengths = declared.get("max_length")
    if lengths and name in lengths:
        _check_length(what, name, value, lengths[name])
    if name in declared.get("header_value", ()):
        _check_header_value(what, name, value)


def _check_range(what: str, name: str, value: Any, bounds: tuple[int, int]) -> None:
    """An int within its range, or a list whose length is; None passes (the default applies)."""
    measured = len(value) if isinstance(value, list) else value
    low, high = bounds
    if isinstance(measured, int) and not low <= measured <= high:
        given = "items" if isinstance(value, list) else "value"
        raise errors.RequestError(
            errors.BAD_USER_INPUT,
            f"{what} `{name}` must be within {low}..{high} ({given} given: {measured}).",
            400, status_json=200,
        )


def _check_length(what: str, name: str, value: Any, most: int) -> None:
    """A string (or each string of a list) of at most `most` characters; None passes."""
    strings = value if isinstance(value, list) else [value]
    longest = max((len(v) for v in strings if isinstance(v, str)), default=0)
    if longest > most:
        each = "Each item of " if isinstance(value, list) else ""
        raise errors.RequestError(
            errors.BAD_USER_INPUT,
            f"{each}{what.lower() if each else what} `{name}` must be at most {most} "
            f"characters ({longest} given).",
            400, status_json=200,
        )


def _check_header_value(what: str, name: str, value: Any) -> None:
    """Sent upstream as a header: printable ASCII without spaces, not empty."""
    if isinstance(value, str) and not plain_header_value(value):
        raise errors.RequestError(
            errors.BAD_USER_INPUT,
            f"{what} `{name}` must be printable ASCII characters without spaces "
            "(letters, digits, punctuation), at least one.",
            400, status_json=200,
        )
