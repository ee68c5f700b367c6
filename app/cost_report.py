"""`bff cost`: what a query will cost, field by field, for client developers.

It works on an operation file as it is, without its variables: the cost does
not depend on values that size nothing, so a variable the caller leaves out
(and the operation gives no default) is assumed. One that sizes a list (the
slicing argument of `list_size`: `first`, `ids`) counts at that argument's
declared maximum (or its default), the most a client could ask; one that
`@include`/`@skip` reads counts the fields it guards; any other is ignored (a
placeholder of its type stands in, so variables can be coerced). The output
names each assumption.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    type_from_ast,
    visit,
)
from graphql.pyutils import Undefined

from app import errors
from app.admission import Admission, Document
from app.limits import query_limits
from app.settings import Settings
from planner.build import metadata
from planner.cost import estimate


def report(settings: Settings, query: str, variables: dict[str, Any] | None,
           operation_name: str | None) -> tuple[str, bool]:
    """The breakdown as text, and whether the cost is over the limit.

    Raises `RequestError` for a query refused for any other reason (invalid,
    too deep, ...).
    """
    from schema import build_schema

    schema = build_schema()._schema
    limits = dataclasses.replace(query_limits(settings), max_cost=sys.maxsize)
    admission = Admission(schema, cache_size=0, introspection=True, limits=limits)
    document = admission.document(query)
    node = admission.select(document, operation_name)
    completed, assumed = assume_missing(schema, document, node, variables or {})
    operation = admission.operation(document, operation_name, completed)
    analysis = estimate(operation.plan, operation.arguments, breakdown=True)
    width = max([len(f.path) for f in analysis.fields] + [5])
    lines = [f"{'field':<{width}}  weight  x size  = total"]
    for item in sorted(analysis.fields, key=lambda f: f.path):
        lines.append(f"{item.path:<{width}}  {item.weight:>6}  {item.multiplier:>6}  "
                     f"{item.total:>7}")
    over = analysis.cost > settings.max_cost
    verdict = "OVER the limit" if over else "within the limit"
    lines.append(f"{'TOTAL':<{width}}  {'':>6}  {'':>6}  {analysis.cost:>7}"
                 f"   ({verdict} BFF_MAX_COST={settings.max_cost})")
    if assumed:
        lines.append("variables not given, assumed:")
        lines += [f"  ${name}: {why}" for name, why in assumed]
    return "\n".join(lines), over


def _hint(refusal: errors.RequestError) -> str:
    """What to give the command, where the server's message names the request's field."""
    if refusal.code == errors.BAD_REQUEST and "operation" in refusal.message:
        return " (give it with --operation-name NAME)"
    if refusal.code == errors.BAD_USER_INPUT and refusal.message.startswith("Variable"):
        return " (give variables with --variables '{\"name\": value}')"
    return ""


def assume_missing(
    schema: GraphQLSchema, document: Document, node: OperationDefinitionNode,
    given: Mapping[str, Any],
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The variables with the missing ones assumed (see the module's docstring), and for
    each assumed one what was assumed and why."""
    uses = _uses(schema, document, node)
    completed = dict(given)
    assumed: list[tuple[str, str]] = []
    for definition in node.variable_definitions or ():
        name = definition.variable.name.value
        if name in given or definition.default_value is not None:
            continue
        kind, value, why = uses.get(name, ("other", None, ""))
        if kind == "other":
            var_type = type_from_ast(schema, definition.type)
            if not isinstance(var_type, GraphQLNonNull):
                continue  # absent, as the server would take it
            value = _placeholder(var_type)
            why = "ignored (sizes nothing; a placeholder stands in)"
        completed[name] = value
        assumed.append((name, why))
    return completed, assumed


def _uses(schema: GraphQLSchema, document: Document, node: OperationDefinitionNode
          ) -> dict[str, tuple[str, Any, str]]:
    """Variables that size a list or decide `@include`/`@skip`, with the value to assume."""
    found: dict[str, tuple[str, Any, str]] = {}
    type_info = TypeInfo(schema)

    class Uses(Visitor):
        field_name = ""  # the field whose arguments are being visited

        def enter_field(self, field: FieldNode, *_: Any) -> None:
            self.field_name = field.name.value

        def enter_argument(self, argument: ArgumentNode, *_: Any) -> None:
            if not isinstance(argument.value, VariableNode):
                return
            name = argument.value.name.value
            directive = type_info.get_directive()
            if directive is not None:
                if directive.name in ("include", "skip") and name not in found:
                    include = directive.name == "include"
                    found[name] = ("condition", include, f"{str(include).lower()} (counts "
                                   f"the fields @{directive.name} guards)")
                return
            field = type_info.get_field_def()
            if field is None:
                return
            arg_name = argument.name.value
            if (metadata(field).get("list_size") or {}).get("slicing") != arg_name:
                return
            high = (metadata(field).get("bounds") or {}).get(arg_name, (None, None))[1]
            definition = field.args[arg_name]
            size = high if high is not None else definition.default_value
            if size is None or size is Undefined:
                return
            is_list = isinstance(_nullable(definition.type), GraphQLList)
            value = [f"assumed-{n}" for n in range(size)] if is_list else size
            what = f"{size} items" if is_list else str(size)
            limit = "declared maximum" if high is not None else "default"
            found[name] = ("size", value,
                           f"{what} (`{self.field_name}({arg_name}:)` at its {limit})")

    visitor = TypeInfoVisitor(type_info, Uses())
    visit(node, visitor)
    for fragment in document.fragments.values():
        visit(fragment, visitor)
    return found


def _nullable(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _placeholder(type_: GraphQLInputType) -> Any:
    """Some value of the type, within any declared range (it sizes nothing)."""
    type_ = _nullable(type_)
    if isinstance(type_, GraphQLList):
        return []
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {name: _placeholder(field.type) for name, field in type_.fields.items()
                if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined}
    assert isinstance(type_, GraphQLScalarType)
    return {"Int": 1, "Float": 1.0, "Boolean": False}.get(type_.name, "x")


def run(settings: Settings, query: str | None, file: str | None, variables: str | None,
        operation_name: str | None) -> int:
    if file:
        try:
            query = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            print(f"bff cost: cannot read --file {file}: {reason}", file=sys.stderr)
            return 2
    if not query:
        print("bff cost: give a QUERY or --file FILE", file=sys.stderr)
        return 2
    try:
        parsed = orjson.loads(variables) if variables else None
    except orjson.JSONDecodeError:
        print("bff cost: --variables is not valid JSON", file=sys.stderr)
        return 2
    if parsed is not None and not isinstance(parsed, dict):
        print("bff cost: --variables must be a JSON object, e.g. '{\"first\": 20}'",
              file=sys.stderr)
        return 2
    try:
        text, over = report(settings, query, parsed, operation_name)
    except errors.RequestError as refusal:
        extra = refusal.extensions
        figures = f" (limit {extra['limit']}, measured {extra['measured']})" \
            if "limit" in extra else ""
        print(f"bff cost: {refusal.code}: {refusal.message}{figures}{_hint(refusal)}",
              file=sys.stderr)
        return 1
    print(text)
    return 1 if over else 0
