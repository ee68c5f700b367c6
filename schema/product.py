"""Product and what hangs off it (prices, availability, reviews, delivery, related)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET

from app.cache_policy import cache_hint
from resolvers import product as r
from schema.common import (
    MAX_CURSOR_CHARS,
    MAX_POSTCODE_CHARS,
    DateTime,
    Image,
    Money,
    PageInfo,
    StockStatus,
    bounds,
    composed,
    cost,
    list_size,
    max_length,
)


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
    author: ReviewAuthor | None = composed(r.REVIEW_AUTHOR, description="Optional (users service).")


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


def _images(first: int | None = 5) -> Any: ...
def _reviews(first: int | None = 5, after: str | None = UNSET) -> Any: ...
def _delivery_estimate(postcode: str) -> Any: ...
def _related(first: int | None = 4) -> Any: ...


@strawberry.type
class Product:
    """An entity keyed by its id (`resolvers.entities`): null when the catalog does not know
    it; undeclared fields read its catalog record."""

    id: strawberry.ID
    title: str = strawberry.field(description="Critical (catalog service).")
    description: str | None
    brand: str | None
    thumbnail_url: str | None
    images: list[Image] = composed(
        r.IMAGES, arguments=_images, description="first: 1..10",
        metadata=bounds(first=(1, 10)) | list_size(slicing="first") | cost(0) | cache_hint(300),
    )
    price: Money = composed(
        r.PRICE, description="Critical (pricing service).", metadata=cost(1) | cache_hint(60)
    )
    compare_at_price: Money | None = composed(
        r.COMPARE_AT_PRICE, metadata=cost(1) | cache_hint(60)
    )
    on_sale: bool = composed(r.ON_SALE, metadata=cache_hint(60))
    availability: Availability | None = composed(
        r.AVAILABILITY,
        description="Optional component (inventory service). Never exposes exact stock counts.",
        metadata=cost(1) | cache_hint(10),
    )
    rating: RatingSummary | None = composed(
        r.RATING, description="Optional component (reviews service).",
        metadata=cost(1) | cache_hint(120),
    )
    reviews: ReviewConnection | None = composed(
        r.REVIEWS, arguments=_reviews,
        description="Optional component (reviews service). first: 1..20.",
        metadata=bounds(first=(1, r.REVIEWS_PAGE_MAX)) | max_length(after=MAX_CURSOR_CHARS)
        | list_size(slicing="first", sized_fields=("edges",))
        | cache_hint(120),
    )
    delivery_estimate: DeliveryEstimate | None = composed(
        r.DELIVERY_ESTIMATE, arguments=_delivery_estimate,
        description="Optional component (shipping service).",
        metadata=max_length(postcode=MAX_POSTCODE_CHARS) | cache_hint(60),
    )
    related: list[Product] | None = composed(
        r.RELATED, arguments=_related,
        description="Optional component (recommendations service). first: 1..12.",
        metadata=bounds(first=(1, 12)) | list_size(slicing="first") | cache_hint(300),
    )
