"""Products composed once per list level, so their leaf fields read prepared values.

An async resolver per product per field costs a coroutine and a Task each
(120 Tasks for one SearchResults page, most of the gap to graphql-core's
floor in bench/results). Instead, whoever learns a list of product ids
(search, product, products, related, recommendations, cart) loads the
catalog entries and the price, stock and rating data the selection needs for
all of them at once, and hands GraphQL `ProductView`s: plain attributes, and
per-product outcomes (value, None, or the dependency error) that the leaf
resolvers return or raise synchronously. The fields that need a call per
product (reviews, related, delivery) keep their async resolvers, started
early by `prefetch`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strawberry import Info

from app import errors
from loaders import records
from loaders.pricing import COMPONENT as PRICING
from resolvers import prefetch
from resolvers.common import loaders

UNLOADED: Any = object()
"""An outcome nobody loaded (the field was not in the selection the view was built for)."""

LIMITED_BELOW = 5


@dataclass(slots=True)
class Availability:
    status: str
    restock_date: str | None


@dataclass(slots=True)
class Rating:
    average: float
    count: int


def stock_status(available: int) -> str:
    if available <= 0:
        return "OUT_OF_STOCK"
    return "LIMITED" if available < LIMITED_BELOW else "IN_STOCK"


def _prepared(outcome: Any) -> Any:
    if outcome is UNLOADED:  # a selection `prefetch.below` did not see: a bug, masked
        raise RuntimeError("product field read without being composed")
    return outcome_value(outcome)


class ProductView:
    """A catalog record plus the outcomes of the per-product data its selection asked for.

    Its fields are plain attributes and properties, so GraphQL reads them
    without a resolver call; a property raises the dependency error of its
    outcome, which nulls the field (or, for a non-null one, the product).
    """

    __slots__ = (
        "_price", "_stock", "_summary", "brand", "description", "id", "images",
        "thumbnail_url", "title",
    )

    def __init__(
        self, record: records.Product, price: Any = UNLOADED, stock: Any = UNLOADED,
        summary: Any = UNLOADED,
    ) -> None:
        self.id = record.id
        self.title = record.title
        self.description = record.description
        self.brand = record.brand
        self.thumbnail_url = record.thumbnail_url
        self.images = record.images
        self._price = price
        self._stock = stock
        self._summary = summary

    def _price_entry(self) -> records.Price:
        found: records.Price | None = _prepared(self._price)
        if found is None:
            raise errors.DependencyError(
                PRICING, errors.DEPENDENCY_ERROR, "no price",
                message="The pricing service has no price for this product.",
            )
        return found

    @property
    def price(self) -> records.Money:
        return self._price_entry().price

    @property
    def compare_at_price(self) -> records.Money | None:
        return self._price_entry().compare_at

    @property
    def on_sale(self) -> bool:
        return self._price_entry().on_sale

    @property
    def availability(self) -> Availability | None:
        stock: records.Stock | None = _prepared(self._stock)
        if stock is None:
            return None
        return Availability(stock_status(stock.available), stock.restock_date)

    @property
    def rating(self) -> Rating | None:
        summary: records.ReviewSummary | None = _prepared(self._summary)
        if summary is None:
            return None
        return Rating(round(summary.average, 1), summary.count)


Outcome = ProductView | BaseException | None


def outcome_value(outcome: Any) -> Any:
    """The value of an outcome, or its error raised (afresh, so tracebacks do not pile up)."""
    if isinstance(outcome, errors.DependencyError):
        raise errors.DependencyError(
            outcome.component, outcome.code, outcome.detail, message=outcome.message
        )
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


async def _each(loader: Any, ids: Sequence[str]) -> list[Any]:
    return list(await asyncio.gather(*(loader.load(i) for i in ids), return_exceptions=True))


async def compose(
    info: Info, ids: Sequence[str], selected: list[prefetch.Selected]
) -> list[Outcome]:
    """One outcome per id, in order: a view, None (unknown id), or the catalog's error."""
    if not ids:
        return []
    names = {node.name.value for node, _ in selected}
    prefetch.products(info, list(ids), selected)
    ld = loaders(info)
    wanted = {
        "price": ld.prices if names & prefetch.PRICE_FIELDS else None,
        "stock": ld.stock if "availability" in names else None,
        "summary": ld.review_summaries if "rating" in names else None,
    }
    jobs = [_each(ld.products, ids)] + [
        _each(loader, ids) for loader in wanted.values() if loader is not None
    ]
    results = iter(await asyncio.gather(*jobs))
    catalog = next(results)
    extra = {name: next(results) for name, loader in wanted.items() if loader is not None}
    views: list[Outcome] = []
    for index, record in enumerate(catalog):
        if record is None or isinstance(record, BaseException):
            views.append(record)
            continue
        views.append(ProductView(record, **{name: found[index] for name, found in extra.items()}))
    return views


async def one(info: Info, product_id: str) -> ProductView | None:
    """A single product: `product(id:)`."""
    (found,) = await compose(info, [product_id], prefetch.below(info))
    value: ProductView | None = outcome_value(found)
    return value


class CartLine:
    """A cart line whose product was composed with the whole cart."""

    __slots__ = ("_product", "line_total", "product_id", "quantity", "unit_price")

    def __init__(self, item: records.CartItem, product: Outcome) -> None:
        self.product_id = item.product_id
        self.quantity = item.quantity
        self.unit_price = item.unit_price
        self.line_total = item.line_total
        self._product = product

    @property
    def product(self) -> ProductView | None:
        view: ProductView | None = outcome_value(self._product)
        return view


class CartContents:
    __slots__ = ("item_count", "items", "subtotal", "updated_at")

    def __init__(self, cart: records.Cart, lines: list[CartLine]) -> None:
        self.items = lines
        self.item_count = cart.item_count
        self.subtotal = cart.subtotal
        self.updated_at = cart.updated_at


async def cart(info: Info, cart: records.Cart, *path: str) -> CartContents:
    """A cart with its lines' products composed, for the selection under `path`."""
    selected = prefetch.below(info, *path, "items", "product")
    ids = [item.product_id for item in cart.items]
    views = await compose(info, ids, selected) if selected else [None] * len(ids)
    return CartContents(cart, [CartLine(i, v) for i, v in zip(cart.items, views, strict=True)])
