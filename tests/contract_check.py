"""Compare the server's schema with the contract: every type, field, argument and enum value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    print_ast,
)
from graphql.utilities.get_default_value_ast import get_default_value_ast

CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "contract"


def contract_schema() -> GraphQLSchema:
    return build_schema((CONTRACT / "schema.graphql").read_text())


def _default(arg: Any) -> str | None:
    """The default as SDL prints it (Strawberry and graphql-core store it differently)."""
    node = get_default_value_ast(arg)
    return print_ast(node) if node else None


def differences(contract: GraphQLSchema, server: GraphQLSchema) -> list[str]:
    """What the server lacks or types differently; empty when it honours the contract."""
    problems: list[str] = []
    for name, ctype in contract.type_map.items():
        if name.startswith("__"):
            continue
        stype = server.type_map.get(name)
        if stype is None:
            problems.append(f"missing type {name}")
            continue
        if not isinstance(stype, type(ctype)):
            problems.append(f"{name}: kind {type(stype).__name__} != {type(ctype).__name__}")
            continue
        if isinstance(ctype, GraphQLEnumType):
            assert isinstance(stype, GraphQLEnumType)
            for value in ctype.values:
                if value not in stype.values:
                    problems.append(f"{name}: missing enum value {value}")
        if isinstance(ctype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            sfields = stype.fields  # type: ignore[attr-defined]
            for fname, cfield in ctype.fields.items():
                sfield = sfields.get(fname)
                if sfield is None:
                    problems.append(f"{name}.{fname}: missing")
                    continue
                if str(sfield.type) != str(cfield.type):
                    problems.append(f"{name}.{fname}: {sfield.type} != {cfield.type}")
                if isinstance(ctype, GraphQLInputObjectType):
                    if _default(cfield) != _default(sfield):
                        problems.append(f"{name}.{fname}: default differs")
                    continue
                for aname, carg in cfield.args.items():
                    sarg = sfield.args.get(aname)
                    if sarg is None:
                        problems.append(f"{name}.{fname}({aname}): missing")
                    elif str(sarg.type) != str(carg.type):
                        problems.append(f"{name}.{fname}({aname}): {sarg.type} != {carg.type}")
                    elif _default(sarg) != _default(carg):
                        problems.append(f"{name}.{fname}({aname}): default differs")
                for aname, sarg in sfield.args.items():
                    if aname not in cfield.args and str(sarg.type).endswith("!") \
                            and sarg.default_value is None:
                        problems.append(f"{name}.{fname}({aname}): new required argument")
    for root in ("query_type", "mutation_type"):
        c, s = getattr(contract, root), getattr(server, root)
        if (c and c.name) != (s and s.name):
            problems.append(f"{root}: {s and s.name} != {c and c.name}")
    return problems
