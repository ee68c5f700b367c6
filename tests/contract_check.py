"""The contract's schema, for the tests; the comparison itself is the server's own
(`schema.compatibility`, which `bff schema check` runs)."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLSchema, build_schema

from schema.compatibility import differences

__all__ = ["CONTRACT", "contract_schema", "differences"]

CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "contract"


def contract_schema() -> GraphQLSchema:
    return build_schema((CONTRACT / "schema.graphql").read_text())
