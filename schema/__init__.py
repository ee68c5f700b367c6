"""The client-view schema (contract/schema.graphql), assembled once per process."""

from __future__ import annotations

from functools import cache

import strawberry
from strawberry.schema.config import StrawberryConfig

from resolvers import reference
from schema.common import SCALARS
from schema.root import Mutation, Query


@cache
def build_schema() -> strawberry.Schema:
    """Strawberry builds the types; every field resolves through its declared behaviour
    (`resolvers.reference` for graphql-core's executor)."""
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
    )
    reference.install(schema._schema)
    return schema
