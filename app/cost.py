"""Static analysis of an operation: argument ranges, and what it will cost.

One walk over the operation (fragments followed, @skip/@include honoured,
variables and defaults resolved) does both jobs, before any upstream call:
an argument out of its declared range is BAD_USER_INPUT; the cost is the
figure the limit and the rate limiter work with.

The model is the IBM cost directive specification's (`@cost`, `@listSize`),
declared as field metadata next to the Strawberry types (`schema/common.py`):
a field costs its own weight (default: 1 when a resolver produces an object,
else 0), and a list multiplies its selection by its size: the slicing
argument (`first`, or the number of `ids`, capped by the argument's declared
maximum), the size a parent's slicing argument gives it (connection `edges`),
or an assumed size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import (
    VariableValues,
    get_argument_values,
    get_directive_values,
)
from graphql.language.ast import FragmentDefinitionNode
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective

from app import errors

DEFAULT_ASSUMED_SIZE = 10
_DEFINITION = "strawberry-definition"


@dataclass(slots=True)
class FieldCost:
    """One field's share of the total, for `bff cost`."""

    path: str
    weight: int
    multiplier: int
    total: int


@dataclass(slots=True)
class Analysis:
    cost: int
    fields: list[FieldCost] = field(default_factory=list)


def metadata(definition: Any) -> Mapping[str, Any]:
    """The Strawberry field metadata of a graphql-core field (or input field)."""
    strawberry_field = definition.extensions.get(_DEFINITION) if definition.extensions else None
    if strawberry_field is None:
        return {}
    found: Mapping[str, Any] = strawberry_field.metadata
    return found


def weight(definition: GraphQLField) -> int:
    """A field's own cost: declared, or 1 when a resolver produces an object (data fetched
    for it); plain attributes and scalars weigh 0. Resolvers that fetch nothing declare 0."""
    meta = metadata(definition)
    if "cost" in meta:
        declared: int = meta["cost"]
        return declared
    strawberry_field = definition.extensions.get(_DEFINITION) if definition.extensions else None
    resolved = strawberry_field is not None and strawberry_field.base_resolver is not None
    return 1 if resolved and isinstance(get_named_type(definition.type), GraphQLObjectType) else 0


def included(
    node: FieldNode | FragmentSpreadNode | InlineFragmentNode, variables: VariableValues
) -> bool:
    """What @skip/@include leave in."""
    skip = get_directive_values(GraphQLSkipDirective, node, variables)
    if skip and skip.get("if") is True:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, variables)
    return not (include and include.get("if") is False)


def is_list(type_: GraphQLOutputType) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class _Walk:
    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues,
        breakdown: bool,
    ) -> None:
        self.fragments = fragments
        self.variables = variables
        self.fields: list[FieldCost] | None = [] if breakdown else None

    def selection(
        self,
        parent: GraphQLObjectType,
        selection_set: SelectionSetNode,
        sized: Mapping[str, int],
        path: str,
    ) -> int:
        total = 0
        for node in selection_set.selections:
            if not included(node, self.variables):  # type: ignore[arg-type]
                continue
            if isinstance(node, FieldNode):
                total += self.field(parent, node, sized, path)
            elif isinstance(node, InlineFragmentNode):
                # No interfaces or unions in this schema: a valid type condition is the parent.
                total += self.selection(parent, node.selection_set, sized, path)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is not None:
                    total += self.selection(parent, fragment.selection_set, sized, path)
        return total

    def field(
        self, parent: GraphQLObjectType, node: FieldNode, sized: Mapping[str, int], path: str
    ) -> int:
        name = node.name.value
        definition = parent.fields.get(name)
        if definition is None:  # __typename and the introspection fields cost nothing
            return 0
        args = get_argument_values(definition, node, self.variables) if definition.args else {}
        check_bounds(definition, args)
        meta = metadata(definition)
        list_size: Mapping[str, Any] = meta.get("list_size", {})
        slicing = _slicing_value(meta, list_size, args)
        multiplier = 1
        if is_list(definition.type):
            multiplier = sized.get(name) or slicing or list_size.get("assumed")\
                or DEFAULT_ASSUMED_SIZE
        child_sized = {sized_field: slicing or list_size.get("assumed") or DEFAULT_ASSUMED_SIZE
                       for sized_field in list_size.get("sized_fields", ())}
        own = weight(definition)
        key = f"{path}.{node.alias.value if node.alias else name}" if path else name
        named = get_named_type(definition.type)
        children = 0
        if node.selection_set and isinstance(named, GraphQLObjectType):
            children = self.selection(named, node.selection_set, child_sized, key)
        total = own + multiplier * children
        if self.fields is not None and (own or children):
            self.fields.append(FieldCost(key, own, multiplier, total))
        return total


def _slicing_value(
    meta: Mapping[str, Any], list_size: Mapping[str, Any], args: Mapping[str, Any]
) -> int | None:
    """The size a slicing argument gives, capped by that argument's declared maximum."""
    argument = list_size.get("slicing")
    if argument is None or args.get(argument) is None:
        return None
    value = args[argument]
    size = len(value) if isinstance(value, list) else int(value)
    bounds = meta.get("bounds", {})
    if argument in bounds:
        size = min(size, bounds[argument][1])
    return max(size, 0)


def analyse(
    root: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: VariableValues,
    *,
    breakdown: bool = False,
) -> Analysis:
    """Check argument ranges and compute the operation's requested cost."""
    walk = _Walk(fragments, variables, breakdown)
    total = walk.selection(root, selection_set, {}, "")
    return Analysis(total, walk.fields or [])


def check_bounds(definition: Any, values: Mapping[str, Any]) -> None:
    """Refuse argument values outside their declared ranges, and input-object fields'."""
    bounds = metadata(definition).get("bounds") or {}
    for name, value in values.items():
        if name in bounds:
            _check_range("Argument", name, value, bounds[name])
        argument = definition.args.get(name)
        input_type = get_named_type(argument.type) if argument is not None else None
        if isinstance(input_type, GraphQLInputObjectType) and isinstance(value, dict):
            for field_name, input_field in input_type.fields.items():
                field_bounds = metadata(input_field).get("bounds") or {}
                if field_name in value and field_name in field_bounds:
                    _check_range("Input field", field_name, value[field_name],
                                 field_bounds[field_name])


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


def actual_cost(
    root: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: VariableValues,
    data: Mapping[str, Any] | None,
) -> int:
    """What the response really cost: the same weights, lists counted as returned."""
    if data is None:
        return 0

    def selection(parent: GraphQLObjectType, sel: SelectionSetNode, value: Any) -> int:
        total = 0
        for node in sel.selections:
            if not included(node, variables):  # type: ignore[arg-type]
                continue
            if isinstance(node, FieldNode):
                definition = parent.fields.get(node.name.value)
                if definition is None:
                    continue
                key = node.alias.value if node.alias else node.name.value
                total += weight(definition)
                child = value.get(key) if isinstance(value, dict) else None
                named = get_named_type(definition.type)
                if node.selection_set and isinstance(named, GraphQLObjectType):
                    items = child if isinstance(child, list) else [child]
                    total += sum(selection(named, node.selection_set, item)
                                 for item in items if item is not None)
            elif isinstance(node, InlineFragmentNode):
                total += selection(parent, node.selection_set, value)
            elif isinstance(node, FragmentSpreadNode):
                fragment = fragments.get(node.name.value)
                if fragment is not None:
                    total += selection(parent, fragment.selection_set, value)
        return total

    return selection(root, selection_set, data)
