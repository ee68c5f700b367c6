"""Today's decoding before msgspec, kept verbatim as the baseline: pydantic models,
validated by pydantic-core's `TypeAdapter.validate_json` (loaders/records.py up to
commit dc94ce6). Only the shapes `bench.decode` measures are used from here."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Record(BaseModel):
    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class Money(Record):
    amount: int
    currency: str = Field(min_length=3, max_length=3)


class User(Record):
    id: str
    display_name: str
    avatar_url: str | None = None
    loyalty_tier: Literal["NONE", "SILVER", "GOLD", "PLATINUM"]
    segment: str | None = None


class Image(Record):
    url: str
    alt: str | None = None


class Product(Record):
    id: str
    title: str
    description: str | None = None
    brand: str | None = None
    images: list[Image]

    @property
    def thumbnail_url(self) -> str | None:
        return self.images[0].url if self.images else None


class SearchPage(Record):
    ids: list[str]
    next_cursor: str | None
    total: int = Field(ge=0)


class Price(Record):
    product_id: str
    price: Money
    compare_at: Money | None = None

    @property
    def on_sale(self) -> bool:
        return self.compare_at is not None and self.compare_at.amount > self.price.amount


class Stock(Record):
    product_id: str
    available: int
    restock_date: str | None = None


class ReviewSummary(Record):
    product_id: str
    average: float
    count: int = Field(ge=0)


class Review(Record):
    id: str
    product_id: str
    author_id: str
    rating: int = Field(ge=1, le=5)
    title: str | None = None
    body: str
    created_at: str


class ReviewPage(Record):
    reviews: list[Review]
    next_cursor: str | None


class ProductIds(Record):
    product_ids: list[str]


class CartItem(Record):
    product_id: str
    quantity: int
    unit_price: Money
    line_total: Money


class Cart(Record):
    user_id: str
    items: list[CartItem]
    item_count: int
    subtotal: Money
    updated_at: str | None = None


class Order(Record):
    id: str
    status: Literal["PLACED", "PACKED", "SHIPPED", "OUT_FOR_DELIVERY", "DELIVERED", "CANCELLED"]
    placed_at: str
    item_count: int
    total: Money
    estimated_delivery: str | None = None


class Promotion(Record):
    id: str
    title: str
    image_url: str | None = None
    deeplink: str


class Estimate(Record):
    product_id: str
    min_days: int
    max_days: int


class UpstreamError(Record):
    """The documented error body: `{"error": "<code>", "message": "..."}`."""

    error: str
    message: str | None = None


class Users(Record):
    users: list[User]


class Products(Record):
    products: list[Product]


class Prices(Record):
    prices: list[Price]


class StockList(Record):
    stock: list[Stock]


class Summaries(Record):
    summaries: list[ReviewSummary]


class Orders(Record):
    orders: list[Order]


class Promotions(Record):
    promotions: list[Promotion]


class Estimates(Record):
    estimates: list[Estimate]
