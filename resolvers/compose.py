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
from typing import Any

from strawberry import Info

from app import errors
from loaders import records
from resolvers import prefetch
from resolvers.common import loaders

UNLOADED: Any = object()
"""An outcome nobody loaded (the field was not in the selection the view was built for)."""


class ProductView:
    """A catalog record plus the outcomes of the per-product data its selection asked for."""

    __slots__ = (
        "brand", "description", "id", "images", "price", "stock", "summary", "thumbnail_url",
        "title",
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
        self.price = price
        self.stock = stock
        self.summary = summary


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
    """A single product (views built outside a list: mutation payloads)."""
    (found,) = await compose(info, [product_id], prefetch.below(info))
    value: ProductView | None = outcome_value(found)
    return value
