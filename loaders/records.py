"""Upstream answer shapes (UPSTREAMS.md), validated at the edge of the process.

Only the fields the schema can show are declared; everything else an
upstream sends (`fraudScore`, `internalCost`, `supplierId`, `email`, ...)
is skipped by the decoder without ever becoming a Python object, so it
cannot leak into data, errors or logs. Python names are snake_case (the
JSON names are their camelCase renames) so Strawberry types can read these
records directly as their sources.

msgspec Structs rather than pydantic models: decoding straight from bytes
into these costs under a quarter of pydantic-core's `validate_json` on the
demo answers (`python -m bench.decode`), with the same whitelist. The
decoder is strict: a field of the wrong JSON type (`"5"` for an int, a
float for an int) is a shape error, never coerced.

Records are frozen and, like any tuple of their fields, hashable when no
field is a list. `gc=False`: they hold only strings, numbers, lists and
other records, so they can never be part of a reference cycle and the
collector need not track them.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta


class Record(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """Base of every answer shape: immutable, keyword-built, camelCase on the wire.

    Each subclass restates `frozen=True, kw_only=True`: msgspec applies
    `kw_only` to a class's own fields only, and type checkers read a subclass
    without `frozen` as mutable.
    """


class Money(Record, frozen=True, kw_only=True):
    amount: int
    currency: Annotated[str, Meta(min_length=3, max_length=3)]


class User(Record, frozen=True, kw_only=True):
    id: str
    display_name: str
    avatar_url: str | None = None
    loyalty_tier: Literal["NONE", "SILVER", "GOLD", "PLATINUM"]
    segment: str | None = None


class Image(Record, frozen=True, kw_only=True):
    url: str
    alt: str | None = None


class Product(Record, frozen=True, kw_only=True):
    id: str
    title: str
    description: str | None = None
    brand: str | None = None
    images: list[Image]

    @property
    def thumbnail_url(self) -> str | None:
        return self.images[0].url if self.images else None


class SearchPage(Record, frozen=True, kw_only=True):
    ids: list[str]
    next_cursor: str | None
    total: Annotated[int, Meta(ge=0)]


class Price(Record, frozen=True, kw_only=True):
    product_id: str
    price: Money
    compare_at: Money | None = None

    @property
    def on_sale(self) -> bool:
        return self.compare_at is not None and self.compare_at.amount > self.price.amount


class Stock(Record, frozen=True, kw_only=True):
    product_id: str
    available: int
    restock_date: str | None = None


class ReviewSummary(Record, frozen=True, kw_only=True):
    product_id: str
    average: float
    count: Annotated[int, Meta(ge=0)]


class Review(Record, frozen=True, kw_only=True):
    id: str
    product_id: str
    author_id: str
    rating: Annotated[int, Meta(ge=1, le=5)]
    title: str | None = None
    body: str
    created_at: str


class ReviewPage(Record, frozen=True, kw_only=True):
    reviews: list[Review]
    next_cursor: str | None


class ProductIds(Record, frozen=True, kw_only=True):
    product_ids: list[str]


class CartItem(Record, frozen=True, kw_only=True):
    product_id: str
    quantity: int
    unit_price: Money
    line_total: Money


class Cart(Record, frozen=True, kw_only=True):
    user_id: str
    items: list[CartItem]
    item_count: int
    subtotal: Money
    updated_at: str | None = None


class Order(Record, frozen=True, kw_only=True):
    id: str
    status: Literal["PLACED", "PACKED", "SHIPPED", "OUT_FOR_DELIVERY", "DELIVERED", "CANCELLED"]
    placed_at: str
    item_count: int
    total: Money
    estimated_delivery: str | None = None


class Promotion(Record, frozen=True, kw_only=True):
    id: str
    title: str
    image_url: str | None = None
    deeplink: str


class Estimate(Record, frozen=True, kw_only=True):
    product_id: str
    min_days: int
    max_days: int


class UpstreamError(Record, frozen=True, kw_only=True):
    """The documented error body: `{"error": "<code>", "message": "..."}`."""

    error: str
    message: str | None = None


class Users(Record, frozen=True, kw_only=True):
    users: list[User]


class Products(Record, frozen=True, kw_only=True):
    products: list[Product]


class Prices(Record, frozen=True, kw_only=True):
    prices: list[Price]


class StockList(Record, frozen=True, kw_only=True):
    stock: list[Stock]


class Summaries(Record, frozen=True, kw_only=True):
    summaries: list[ReviewSummary]


class Orders(Record, frozen=True, kw_only=True):
    orders: list[Order]


class Promotions(Record, frozen=True, kw_only=True):
    promotions: list[Promotion]


class Estimates(Record, frozen=True, kw_only=True):
    estimates: list[Estimate]
