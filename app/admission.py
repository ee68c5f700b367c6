"""Admission: parse and validate once per document, pick the operation, check argument ranges.

Parsing and validating cost far more than executing a small query (DESIGN.md),
so both outcomes, success or the errors, are cached per document text in a
bounded LRU: immutable per-release data, allowed in process.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import (
    VariableValues,
    get_argument_values,
    get_directive_values,
    get_variable_values,
)
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective
from graphql.validation import NoSchemaIntrospectionCustomRule

from app import errors

MAX_CACHED_DOCUMENT_CHARS = 64 * 1024
_DEFINITION = "strawberry-definition"


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed and validated document, ready to execute any of its operations."""

    hash: str
    node: DocumentNode
    operations: Mapping[str | None, OperationDefinitionNode]
    fragments: Mapping[str, FragmentDefinitionNode]
    bounded: bool


@dataclass(frozen=True, slots=True)
class Operation:
    document: Document
    node: OperationDefinitionNode
    name: str | None
    kind: OperationType
    variables: VariableValues


def document_hash(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _locations(error: GraphQLError) -> list[dict[str, int]] | None:
    if not error.locations:
        return None
    return [{"line": loc.line, "column": loc.column} for loc in error.locations]


class Admission:
    """Turns query text into an executable operation, or refuses it with a coded error."""

    def __init__(self, schema: GraphQLSchema, *, cache_size: int, introspection: bool) -> None:
        self._schema = schema
        self._cache: OrderedDict[str, Document | errors.RequestError] = OrderedDict()
        self._cache_size = cache_size
        self._rules = list(specified_rules)
        if not introspection:
            self._rules.append(NoSchemaIntrospectionCustomRule)

    def document(self, query: str) -> Document:
        cached = self._cache.get(query)
        if cached is None:
            cached = self._compile(query)
            if self._cache_size and len(query) <= MAX_CACHED_DOCUMENT_CHARS:
                self._cache[query] = cached
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(query)
        if isinstance(cached, errors.RequestError):
            raise cached
        return cached

    def _compile(self, query: str) -> Document | errors.RequestError:
        try:
            node = parse(query)
        except GraphQLError as exc:
            return errors.RequestError(
                errors.GRAPHQL_PARSE_FAILED, exc.message, 400, status_json=200,
                locations=_locations(exc),
            )
        problems = validate(self._schema, node, self._rules, max_errors=20)
        if problems:
            first = problems[0]
            return errors.RequestError(
                errors.GRAPHQL_VALIDATION_FAILED, first.message, 400, status_json=200,
                locations=_locations(first),
                extensions={"validationErrors": [p.message for p in problems[1:]]}
                if len(problems) > 1 else None,
            )
        operations: dict[str | None, OperationDefinitionNode] = {}
        fragments: dict[str, FragmentDefinitionNode] = {}
        for definition in node.definitions:
            if isinstance(definition, OperationDefinitionNode):
                operations[definition.name.value if definition.name else None] = definition
            elif isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
        return Document(document_hash(query), node, operations, fragments,
                        _has_bounds(self._schema, node))

    def operation(
        self, document: Document, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> Operation:
        """Select the operation and coerce its variables; refuse out-of-range arguments."""
        if operation_name:
            node = document.operations.get(operation_name)
            if node is None:
                raise errors.RequestError(
                    errors.BAD_REQUEST, f"Unknown operation named '{operation_name}'.", 400
                )
        elif len(document.operations) == 1:
            node = next(iter(document.operations.values()))
        else:
            raise errors.RequestError(
                errors.BAD_REQUEST,
                "The document has several operations: give operationName.", 400,
            )
        coerced = get_variable_values(
            self._schema, node.variable_definitions or (),
            dict(variables or {}), max_errors=10,
        )
        if isinstance(coerced, list):
            raise errors.RequestError(
                errors.BAD_USER_INPUT, coerced[0].message, 400, status_json=200,
                locations=_locations(coerced[0]),
            )
        operation = Operation(
            document, node, node.name.value if node.name else None, node.operation, coerced
        )
        if document.bounded:
            root = self._schema.get_root_type(node.operation)
            assert root is not None  # validation guarantees it
            _check_bounds(root, node.selection_set, operation)
        return operation


def _bounds_of(definition: Any) -> Mapping[str, tuple[int, int]] | None:
    strawberry_field = definition.extensions.get(_DEFINITION) if definition.extensions else None
    if strawberry_field is None:
        return None
    bounds: Mapping[str, tuple[int, int]] | None = strawberry_field.metadata.get("bounds")
    return bounds


def _has_bounds(schema: GraphQLSchema, document: DocumentNode) -> bool:
    """Whether any field or input field the schema bounds is named in the document.

    A cheap, conservative pre-check so documents without bounded arguments
    skip the per-request walk.
    """
    names = _bounded_names(schema)
    source = document.loc.source.body if document.loc else ""
    return any(name in source for name in names)


_BOUNDED_NAMES: dict[int, frozenset[str]] = {}


def _bounded_names(schema: GraphQLSchema) -> frozenset[str]:
    key = id(schema)
    if key not in _BOUNDED_NAMES:
        bounded_inputs = {
            type_.name
            for type_ in schema.type_map.values()
            if isinstance(type_, GraphQLInputObjectType)
            and any(_bounds_of(field) for field in type_.fields.values())
        }
        names: set[str] = set()
        for type_ in schema.type_map.values():
            if isinstance(type_, GraphQLObjectType):
                for field_name, field in type_.fields.items():
                    if _bounds_of(field) or any(
                        get_named_type(arg.type).name in bounded_inputs
                        for arg in field.args.values()
                    ):
                        names.add(field_name)
        _BOUNDED_NAMES[key] = frozenset(names)
    return _BOUNDED_NAMES[key]


def included(node: FieldNode | FragmentSpreadNode | InlineFragmentNode,
             variables: VariableValues) -> bool:
    """What @skip/@include leave in."""
    skip = get_directive_values(GraphQLSkipDirective, node, variables)
    if skip and skip.get("if") is True:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, variables)
    return not (include and include.get("if") is False)


def _check_bounds(
    parent: GraphQLObjectType, selection_set: SelectionSetNode, operation: Operation
) -> None:
    variables = operation.variables
    for selection in selection_set.selections:
        if not included(selection, variables):  # type: ignore[arg-type]
            continue
        if isinstance(selection, FieldNode):
            field: GraphQLField | None = parent.fields.get(selection.name.value)
            if field is None:  # __typename and introspection fields
                continue
            if field.args:
                args = get_argument_values(field, selection, variables)
                _check_values(field, args)
            named = get_named_type(field.type)
            if selection.selection_set and isinstance(named, GraphQLObjectType):
                _check_bounds(named, selection.selection_set, operation)
        elif isinstance(selection, InlineFragmentNode):
            # No interfaces or unions in this schema: a valid type condition is the parent.
            _check_bounds(parent, selection.selection_set, operation)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = operation.document.fragments.get(selection.name.value)
            if fragment is not None:
                _check_bounds(parent, fragment.selection_set, operation)


def _check_values(definition: Any, values: Mapping[str, Any]) -> None:
    """Check one field's (or input object's) values against its declared bounds, recursively."""
    bounds = _bounds_of(definition)
    for name, value in values.items():
        if bounds and name in bounds and value is not None:
            low, high = bounds[name]
            measured = len(value) if isinstance(value, list) else value
            if isinstance(measured, int) and not low <= measured <= high:
                what = "items" if isinstance(value, list) else "value"
                raise errors.RequestError(
                    errors.BAD_USER_INPUT,
                    f"Argument `{name}` must be within {low}..{high} ({what} given: {measured}).",
                    400, status_json=200,
                )
        arg = definition.args.get(name) if hasattr(definition, "args") else None
        arg_type = arg.type if arg is not None else None
        while isinstance(arg_type, GraphQLNonNull | GraphQLList):
            arg_type = arg_type.of_type
        if isinstance(arg_type, GraphQLInputObjectType) and isinstance(value, dict):
            for field_name, field in arg_type.fields.items():
                if field_name in value:
                    _check_values_input(field, field_name, value[field_name])


def _check_values_input(field: Any, name: str, value: Any) -> None:
    bounds = _bounds_of(field)
    if bounds and name in bounds and isinstance(value, int):
        low, high = bounds[name]
        if not low <= value <= high:
            raise errors.RequestError(
                errors.BAD_USER_INPUT,
                f"Input field `{name}` must be within {low}..{high} (value given: {value}).",
                400, status_json=200,
            )
