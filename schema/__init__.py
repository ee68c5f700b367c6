"""The client-view schema (contract/schema.graphql), assembled once per process."""

from __future__ import annotations

from functools import cache

import strawberry
from graphql import GraphQLDeferDirective
from strawberry.schema.config import StrawberryConfig

from resolvers import reference
from schema.common import SCALARS
from schema.root import Mutation, Query


@cache
def build_schema() -> strawberry.Schema:
    """Strawberry builds the types; every field resolves through its declared behaviour
    (`resolvers.reference` for graphql-core's executor).

    The schema declares `@defer` (incremental delivery, `app.incremental`) and not
    `@stream`, which is not built: Strawberry's `enable_experimental_incremental_execution`
    would declare both, so the directive is added to graphql-core's schema here.
    """
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
    )
    graphql_schema = schema._schema
    graphql_schema.directives = (*graphql_schema.directives, GraphQLDeferDirective)
    reference.install(graphql_schema)
    return schema
