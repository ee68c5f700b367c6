"""`bff schema print | check` (RUNNING.md): the served schema for client teams and their CI.

`print` writes the served SDL (what introspection describes), for code generation
(Apollo iOS/Kotlin, GraphQL Code Generator) without a running server. `check
CONTRACT.graphql` compares the served schema with a contract (`schema.compatibility`):
it must be a superset. Exit codes: 0 done (or compatible); 1 each incompatibility named
on stderr; 2 bad usage (a contract that cannot be read or is not a valid schema).
The schema is imported when a command runs, not when `bff` starts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLSchema
from graphql import build_schema as build_sdl


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("schema", help="the served schema: print it, check a contract")
    actions = parser.add_subparsers(dest="schema_command", required=True)
    printing = actions.add_parser("print", help="write the served schema as SDL")
    printing.add_argument("-o", "--output", type=Path, help="write here (default: stdout)")
    check = actions.add_parser(
        "check", help="is the served schema a superset of CONTRACT? (exit 1 naming what is not)"
    )
    check.add_argument("contract", type=Path, metavar="CONTRACT.graphql")


def served_sdl() -> str:
    """The served schema as SDL, as `bff schema print` writes it."""
    from schema import build_schema

    return build_schema().as_str() + "\n"


def run(args: argparse.Namespace) -> int:
    if args.schema_command == "print":
        if args.output is None:
            sys.stdout.write(served_sdl())
        else:
            args.output.write_text(served_sdl(), encoding="utf-8")
        return 0
    return check(args.contract)


def check(path: Path) -> int:
    try:
        contract = _read_contract(path)
    except (OSError, GraphQLError, TypeError) as exc:
        print(f"bff schema check: cannot read {path} as a schema: {exc}", file=sys.stderr)
        return 2
    from schema.compatibility import differences

    problems = differences(contract, build_sdl(served_sdl()))
    for problem in problems:
        print(f"bff schema check: {problem}", file=sys.stderr)
    if problems:
        print(f"bff schema check: the served schema breaks {path} in {len(problems)} "
              f"place{'s' if len(problems) > 1 else ''}", file=sys.stderr)
        return 1
    print(f"bff schema check: the served schema keeps everything {path} has")
    return 0


def _read_contract(path: Path) -> GraphQLSchema:
    return build_sdl(path.read_text(encoding="utf-8"))
