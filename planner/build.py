"""Building a plan: collect the fields once, then settle everything about each of them.

Fields are collected by graphql-core's own `collect_fields`/`collect_subfields`
(fragments, inline fragments, `@skip`/`@include`, merging by response key),
so the planner and the reference executor cannot disagree on what was asked.
Each field then gets, once: its behaviour (`resolvers.declare`), its arguments
when they are literals, its output shape, its cost weight and list size, its
argument ranges and its cache hint, all from the schema's field metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    get_named_type,
    visit,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from app.cache_policy import hint_of
from planner.plan import ATTR, FETCHED, READ, TYPENAME, FieldPlan, Plan, Selection, Shape
from resolvers.declare import Call, Load, Read
from resolvers.entities import ENTITIES
from resolvers.reference import behaviour_of

_DEFINITION = "strawberry-definition"
_INTROSPECTION = frozenset({"__schema", "__type"})
_LEAVES = frozenset({"String", "ID", "Int", "Float", "Boolean"})


def metadata(definition: Any) -> Mapping[str, Any]:
    """The Strawberry field metadata of a graphql-core field (or input field)."""
    strawberry_field = definition.extensions.get(_DEFINITION) if definition.extensions else None
    if strawberry_field is None:
        return {}
    found: Mapping[str, Any] = strawberry_field.metadata
    return found


_CONDITIONS = frozenset({"skip", "include", "defer"})


def condition_variables(document_node: Any) -> tuple[str, ...]:
    """The variables `@skip`/`@include` (and `@defer`'s `if`) read: the only ones the plan
    depends on."""
    found: list[str] = []

    class Conditions(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> None:
            if node.name.value not in _CONDITIONS:
                return
            for argument in node.arguments or ():
                value = argument.value
                if isinstance(value, VariableNode) and value.name.value not in found:
                    found.append(value.name.value)

    visit(document_node, Conditions())
    return tuple(found)


def build(
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    operation: OperationDefinitionNode,
    variables: VariableValues,
) -> Plan:
    """The plan of `operation` for these variables' `@skip`/`@include` values."""
    return _Builder(schema, fragments, operation, variables).plan()


class _Builder:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        operation: OperationDefinitionNode,
        variables: VariableValues,
    ) -> None:
        self.schema = schema
        self.fragments = {name: FragmentDetails(d) for name, d in fragments.items()}
        self.operation = operation
        self.variables = variables
        self.fields: list[FieldPlan] = []
        self.executable = True
        self.deferred = False

    def plan(self) -> Plan:
        root_type = self.schema.get_root_type(self.operation.operation)
        assert root_type is not None  # the operation was validated
        grouped = collect_fields(
            self.schema, self.fragments, self.variables, root_type, self.operation
        ).grouped_field_set
        root = self.selection(root_type, grouped)
        return Plan(
            self.operation.operation, root, tuple(self.fields),
            tuple(f for f in self.fields if f.args is None), self.executable, self.deferred,
        )

    def selection(
        self, type_: GraphQLObjectType, grouped: Mapping[str, list[FieldDetails]]
    ) -> Selection:
        selection = Selection(type_, ENTITIES.get(type_.name))
        fields = []
        for key, details in grouped.items():
            nodes = tuple(detail.node for detail in details)
            field = self.field(type_, key, nodes, details)
            fields.append(field)
        fetched = [f for f in fields if f.kind == FETCHED]
        for slot, field in enumerate(fetched):
            field.slot = slot
        selection.fields = tuple(fields)
        selection.fetched = tuple(fetched)
        selection.fetches = selection.fetches or bool(fetched)
        selection.weight = sum(f.weight for f in fields)
        return selection

    def field(
        self, parent: GraphQLObjectType, key: str, nodes: tuple[FieldNode, ...],
        details: list[FieldDetails],
    ) -> FieldPlan:
        name = nodes[0].name.value
        if not self.deferred:
            # collect_fields honours `@defer` (and its `if`): a field under an active one
            # carries its usage.
            self.deferred = any(detail.defer_usage is not None for detail in details)
        definition = None if name == "__typename" else self._definition(parent, name)
        plan = FieldPlan(key=key, name=name, parent=parent, definition=definition, nodes=nodes,
                         index=len(self.fields))
        self.fields.append(plan)
        if definition is None:
            plan.kind = TYPENAME
            plan.args = {}
            return plan
        plan.args = self._literal_arguments(definition, nodes[0])
        if name in _INTROSPECTION:
            self.executable = False
            return plan
        meta = metadata(definition)
        plan.list_size = meta.get("list_size", {})
        plan.bounds = meta.get("bounds", {})
        plan.hint = hint_of(definition)
        behaviour = behaviour_of(definition)
        plan.behaviour = behaviour
        named = get_named_type(definition.type)
        plan.entity = ENTITIES.get(named.name)
        plan.shape = self.shape(definition.type, details)
        plan.is_list = plan.shape.item is not None
        plan.child = _object_selection(plan.shape)
        fetches = isinstance(behaviour, (Load, Call))
        if fetches or plan.entity is not None or _fetches_below(plan.shape):
            plan.kind = FETCHED
            plan.on_key = fetches and parent.name in ENTITIES
        elif isinstance(behaviour, Read) and behaviour.attr is not None:
            plan.kind = ATTR
            plan.attr = behaviour.attr
        else:
            plan.kind = READ
        fetching = fetches or plan.entity is not None
        plan.weight = meta.get("cost", 1 if fetching and isinstance(named, GraphQLObjectType)
                               else 0)
        return plan

    def _definition(self, parent: GraphQLObjectType, name: str) -> GraphQLField:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        return parent.fields[name]

    def _literal_arguments(
        self, definition: GraphQLField, node: FieldNode
    ) -> Mapping[str, Any] | None:
        """The arguments when no variable is in them (computed once), else None."""
        if not definition.args and not node.arguments:
            return {}
        if any(_has_variable(argument.value) for argument in node.arguments or ()):
            return None
        return get_argument_values(definition, node)

    def shape(self, type_: GraphQLOutputType, details: list[FieldDetails]) -> Shape:
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        shape = Shape(non_null)
        if isinstance(inner, GraphQLList):
            shape.item = self.shape(inner.of_type, details)
        elif isinstance(inner, GraphQLObjectType):
            grouped = collect_subfields(
                self.schema, self.fragments, self.variables, self.operation, inner, details
            ).grouped_field_set
            shape.selection = self.selection(inner, grouped)
        elif isinstance(inner, GraphQLEnumType):
            shape.leaf = "enum"
            shape.serialize = inner.serialize
            shape.enum_names = {
                value.value: name for name, value in inner.values.items()
                if isinstance(value.value, str)
            }
        elif isinstance(inner, GraphQLScalarType):
            shape.leaf = inner.name if inner.name in _LEAVES else "custom"
            shape.serialize = inner.serialize
        return shape


def _object_selection(shape: Shape) -> Selection | None:
    while shape.item is not None:
        shape = shape.item
    return shape.selection


def _fetches_below(shape: Shape) -> bool:
    selection = _object_selection(shape)
    return selection is not None and selection.fetches


def _has_variable(value: Any) -> bool:
    if isinstance(value, VariableNode):
        return True
    fields = getattr(value, "fields", None)
    if fields:
        return any(_has_variable(field.value) for field in fields)
    values = getattr(value, "values", None)
    if values:
        return any(_has_variable(item) for item in values)
    return False
