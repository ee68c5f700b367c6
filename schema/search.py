"""Search results as a Relay connection."""

from __future__ import annotations

import strawberry

from resolvers import search as r
from schema.common import PageInfo
from schema.product import Product


@strawberry.type
class ProductEdge:
    cursor: str
    node: Product | None = strawberry.field(  # type: ignore[assignment]  # views as sources
        resolver=r.edge_node,
        description="Null when the product could not be composed (its critical data failed).",
    )


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    total_count: int
