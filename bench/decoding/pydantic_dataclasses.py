"""The measured shapes as frozen, slotted pydantic dataclasses (same whitelist, same
validation as the BaseModel baseline, lighter objects)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic.dataclasses import dataclass

_CONFIG = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Money:
    amount: int
    currency: str = Field(min_length=3, max_length=3)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Image:
    url: str
    alt: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG, kw_only=True)
class Product:
    id: str
    title: str
    description: str | None = None
    brand: str | None = None
    images: list[Image]


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Products:
    products: list[Product]


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Price:
    product_id: str
    price: Money
    compare_at: Money | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Prices:
    prices: list[Price]


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Stock:
    product_id: str
    available: int
    restock_date: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class StockList:
    stock: list[Stock]


@dataclass(frozen=True, slots=True, config=_CONFIG)
class ReviewSummary:
    product_id: str
    average: float
    count: int = Field(ge=0)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Summaries:
    summaries: list[ReviewSummary]


@dataclass(frozen=True, slots=True, config=_CONFIG, kw_only=True)
class User:
    id: str
    display_name: str
    avatar_url: str | None = None
    loyalty_tier: Literal["NONE", "SILVER", "GOLD", "PLATINUM"]
    segment: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Users:
    users: list[User]


@dataclass(frozen=True, slots=True, config=_CONFIG)
class CartItem:
    product_id: str
    quantity: int
    unit_price: Money
    line_total: Money


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Cart:
    user_id: str
    items: list[CartItem]
    item_count: int
    subtotal: Money
    updated_at: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG, kw_only=True)
class Review:
    id: str
    product_id: str
    author_id: str
    rating: int = Field(ge=1, le=5)
    title: str | None = None
    body: str
    created_at: str


@dataclass(frozen=True, slots=True, config=_CONFIG)
class ReviewPage:
    reviews: list[Review]
    next_cursor: str | None
