"""What the harness reads from the served schema: the graphql-core schema itself, and the
argument bounds declared next to the Strawberry fields.

Bounds live in the fields' metadata, read through `planner.build.metadata`; this is
the one place of the harness that knows where.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLField, GraphQLInputField, GraphQLSchema

from planner.build import metadata
from schema import build_schema

SCHEMA: GraphQLSchema = build_schema()._schema


def _metadata(definition: GraphQLField | GraphQLInputField) -> Mapping[str, Any]:
    return metadata(definition)


def bounds(definition: GraphQLField | GraphQLInputField) -> dict[str, tuple[int, int]]:
    """Inclusive ranges of a field's integer arguments (list arguments: their length)."""
    found: Mapping[str, tuple[int, int]] = _metadata(definition).get("bounds") or {}
    return {name: (int(low), int(high)) for name, (low, high) in found.items()}
