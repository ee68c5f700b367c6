"""Product and what hangs off it (prices, availability, reviews, delivery, related)."""

from __future__ import annotations

import strawberry

from app.cache_policy import cache_hint
from resolvers import product as r
from schema.common import DateTime, Image, Money, PageInfo, StockStatus, bounds, cost, list_size


@strawberry.type
class Availability:
    status: StockStatus
    restock_date: DateTime | None


@strawberry.type
class RatingSummary:
    average: float = strawberry.field(description="0.0..5.0, one decimal.")
    count: int


@strawberry.type
class ReviewAuthor:
    display_name: str
    avatar_url: str | None


@strawberry.type
class Review:
    id: strawberry.ID
    rating: int
    title: str | None
    body: str
    created_at: DateTime
    author: ReviewAuthor | None = strawberry.field(
        resolver=r.review_author, description="Optional (users service)."
    )


@strawberry.type
class ReviewEdge:
    cursor: str
    node: Review


@strawberry.type
class ReviewConnection:
    edges: list[ReviewEdge]
    page_info: PageInfo


@strawberry.type
class DeliveryEstimate:
    min_days: int
    max_days: int


@strawberry.type
class Product:
    id: strawberry.ID
    title: str = strawberry.field(description="Critical (catalog service).")
    description: str | None
    brand: str | None
    thumbnail_url: str | None
    images: list[Image] = strawberry.field(  # type: ignore[assignment]  # records as sources
        resolver=r.images,
        description="first: 1..10",
        metadata=bounds(first=(1, 10)) | list_size(slicing="first") | cost(0) | cache_hint(300),
    )
    # Prepared for a whole list at once (resolvers/compose.py): read, not resolved.
    price: Money = strawberry.field(
        description="Critical (pricing service).", metadata=cost(1) | cache_hint(60)
    )
    compare_at_price: Money | None = strawberry.field(metadata=cost(1) | cache_hint(60))
    on_sale: bool = strawberry.field(metadata=cache_hint(60))
    availability: Availability | None = strawberry.field(
        description="Optional component (inventory service). Never exposes exact stock counts.",
        metadata=cost(1) | cache_hint(10),
    )
    rating: RatingSummary | None = strawberry.field(
        description="Optional component (reviews service).",
        metadata=cost(1) | cache_hint(120),
    )
    reviews: ReviewConnection | None = strawberry.field(
        resolver=r.reviews,
        description="Optional component (reviews service). first: 1..20.",
        metadata=bounds(first=(1, 20)) | list_size(slicing="first", sized_fields=("edges",))
        | cache_hint(120),
    )
    delivery_estimate: DeliveryEstimate | None = strawberry.field(
        resolver=r.delivery_estimate, description="Optional component (shipping service).",
        metadata=cache_hint(60),
    )
    related: list[Product] | None = strawberry.field(
        resolver=r.related,
        description="Optional component (recommendations service). first: 1..12.",
        metadata=bounds(first=(1, 12)) | list_size(slicing="first") | cache_hint(300),
    )
