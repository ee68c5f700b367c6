"""The measured shapes as TypedDicts validated by pydantic-core (typing_extensions' on
Python 3.11, as pydantic requires): the same whitelist, but
plain dicts with camelCase keys, not records (the BFF's code reads attributes), so this
is a reference point for what building objects costs, not a candidate as it stands."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from annotated_types import Ge, Le, Len
from typing_extensions import TypedDict


class Money(TypedDict):
    amount: int
    currency: Annotated[str, Len(3, 3)]


class Image(TypedDict):
    url: str
    alt: NotRequired[str | None]


class Product(TypedDict):
    id: str
    title: str
    description: NotRequired[str | None]
    brand: NotRequired[str | None]
    images: list[Image]


class Products(TypedDict):
    products: list[Product]


class Price(TypedDict):
    productId: str
    price: Money
    compareAt: NotRequired[Money | None]


class Prices(TypedDict):
    prices: list[Price]


class Stock(TypedDict):
    productId: str
    available: int
    restockDate: NotRequired[str | None]


class StockList(TypedDict):
    stock: list[Stock]


class ReviewSummary(TypedDict):
    productId: str
    average: float
    count: Annotated[int, Ge(0)]


class Summaries(TypedDict):
    summaries: list[ReviewSummary]


class User(TypedDict):
    id: str
    displayName: str
    avatarUrl: NotRequired[str | None]
    loyaltyTier: Literal["NONE", "SILVER", "GOLD", "PLATINUM"]
    segment: NotRequired[str | None]


class Users(TypedDict):
    users: list[User]


class CartItem(TypedDict):
    productId: str
    quantity: int
    unitPrice: Money
    lineTotal: Money


class Cart(TypedDict):
    userId: str
    items: list[CartItem]
    itemCount: int
    subtotal: Money
    updatedAt: NotRequired[str | None]


class Review(TypedDict):
    id: str
    productId: str
    authorId: str
    rating: Annotated[int, Ge(1), Le(5)]
    title: NotRequired[str | None]
    body: str
    createdAt: str


class ReviewPage(TypedDict):
    reviews: list[Review]
    nextCursor: str | None
