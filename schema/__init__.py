"""The client-view schema (contract/schema.graphql), assembled once per process."""

from __future__ import annotations

from functools import cache

import strawberry
from strawberry.schema.config import StrawberryConfig

from schema.common import SCALARS
from schema.root import Mutation, Query


@cache
def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
    )
