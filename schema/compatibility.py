"""What a served schema must keep of a contract: everything a client written against the
contract can send or read (`bff schema check`, and the contract test).

Additions pass: new types, fields, optional arguments, enum values, directives.
Anything that can break a client is named: a type, field, argument, enum value, union
member, interface or directive removed; a field, argument or input field retyped
(nullability included, either way: the contract fixes criticality); a default changed;
an argument or input field that is new and required; a root type renamed.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    is_specified_directive,
    print_ast,
)
from graphql.utilities.get_default_value_ast import get_default_value_ast

_KINDS = {
    GraphQLObjectType: "object type", GraphQLInterfaceType: "interface",
    GraphQLUnionType: "union", GraphQLEnumType: "enum", GraphQLInputObjectType: "input object",
}


def _kind(named: GraphQLNamedType) -> str:
    return next((kind for cls, kind in _KINDS.items() if isinstance(named, cls)), "scalar")


def _default(value: Any) -> str | None:
    """The default as SDL prints it (Strawberry and graphql-core store it differently)."""
    node = get_default_value_ast(value)
    return print_ast(node) if node else None


def _required(value: Any) -> bool:
    return isinstance(value.type, GraphQLNonNull) and _default(value) is None


def differences(contract: GraphQLSchema, served: GraphQLSchema) -> list[str]:
    """What the served schema lacks or types differently; empty when it keeps the contract."""
    problems: list[str] = []
    for name, ctype in contract.type_map.items():
        if name.startswith("__"):
            continue
        stype = served.type_map.get(name)
        if stype is None:
            problems.append(f"{name}: type removed")
        elif _kind(stype) != _kind(ctype):
            problems.append(f"{name}: a {_kind(stype)}, the contract has a {_kind(ctype)}")
        else:
            problems.extend(_type_differences(name, ctype, stype))
    for root in ("query_type", "mutation_type", "subscription_type"):
        c, s = getattr(contract, root), getattr(served, root)
        if c is not None and (s is None or s.name != c.name):
            problems.append(f"schema {root.split('_')[0]}: {s and s.name}, the contract has "
                            f"{c.name}")
    for directive in contract.directives:
        if is_specified_directive(directive):
            continue
        found = served.get_directive(directive.name)
        if found is None:
            problems.append(f"@{directive.name}: directive removed")
            continue
        for location in directive.locations:
            if location not in found.locations:
                problems.append(f"@{directive.name}: no longer allowed on {location.name}")
        problems.extend(_argument_differences(f"@{directive.name}", directive.args, found.args))
    return problems


def _type_differences(name: str, ctype: Any, stype: Any) -> list[str]:
    problems: list[str] = []
    if isinstance(ctype, GraphQLEnumType):
        problems += [f"{name}.{value}: enum value removed"
                     for value in ctype.values if value not in stype.values]
    if isinstance(ctype, GraphQLUnionType):
        members = {member.name for member in stype.types}
        problems += [f"{name}: no longer includes {member.name}"
                     for member in ctype.types if member.name not in members]
    if isinstance(ctype, GraphQLObjectType | GraphQLInterfaceType):
        interfaces = {interface.name for interface in stype.interfaces}
        problems += [f"{name}: no longer implements {interface.name}"
                     for interface in ctype.interfaces if interface.name not in interfaces]
    if not isinstance(ctype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        return problems
    for fname, cfield in ctype.fields.items():
        where = f"{name}.{fname}"
        sfield = stype.fields.get(fname)
        if sfield is None:
            problems.append(f"{where}: field removed")
            continue
        if str(sfield.type) != str(cfield.type):
            problems.append(f"{where}: type {sfield.type}, the contract has {cfield.type}")
        if isinstance(ctype, GraphQLInputObjectType):
            if _default(cfield) != _default(sfield):
                problems.append(f"{where}: default {_default(sfield)}, the contract has "
                                f"{_default(cfield)}")
            continue
        problems.extend(_argument_differences(where, cfield.args, sfield.args))
    if isinstance(ctype, GraphQLInputObjectType):
        problems += [f"{name}.{fname}: new required input field"
                     for fname, sfield in stype.fields.items()
                     if fname not in ctype.fields and _required(sfield)]
    return problems


def _argument_differences(where: str, contract: Any, served: Any) -> list[str]:
    problems: list[str] = []
    for aname, carg in contract.items():
        at = f"{where}({aname}:)"
        sarg = served.get(aname)
        if sarg is None:
            problems.append(f"{at}: argument removed")
        elif str(sarg.type) != str(carg.type):
            problems.append(f"{at}: type {sarg.type}, the contract has {carg.type}")
        elif _default(sarg) != _default(carg):
            problems.append(f"{at}: default {_default(sarg)}, the contract has "
                            f"{_default(carg)}")
    problems += [f"{where}({aname}:): new required argument"
                 for aname, sarg in served.items() if aname not in contract and _required(sarg)]
    return problems
