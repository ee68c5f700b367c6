"""Search results as a Relay connection."""

from __future__ import annotations

import strawberry

from schema.common import PageInfo, cost
from schema.product import Product


@strawberry.type
class ProductEdge:
    cursor: str
    node: Product | None = strawberry.field(
        description="Null when the product could not be composed (its critical data failed).",
        metadata=cost(1),
    )
    """Its source is the product's id (an entity key, `resolvers.search.ProductEdge`)."""


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    total_count: int
