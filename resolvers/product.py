"""Product fields: leaves read what `compose` prepared; per-product calls go through loaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from strawberry import UNSET, Info

from app import errors
from loaders import records
from loaders.pricing import COMPONENT as PRICING
from resolvers import prefetch
from resolvers.common import loaders
from resolvers.compose import UNLOADED, ProductView, compose, outcome_value
from resolvers.pagination import paginate

LIMITED_BELOW = 5
REVIEWS_PAGE_MAX = 20


@dataclass(slots=True)
class Availability:
    status: str
    restock_date: str | None


@dataclass(slots=True)
class Rating:
    average: float
    count: int


@dataclass(slots=True)
class ReviewEdge:
    cursor: str
    node: records.Review


@dataclass(slots=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@dataclass(slots=True)
class ReviewConnection:
    edges: list[ReviewEdge]
    page_info: PageInfo


def _checked_price(found: records.Price | None) -> records.Price:
    if found is None:
        raise errors.DependencyError(
            PRICING, errors.DEPENDENCY_ERROR, "no price",
            message="The pricing service has no price for this product.",
        )
    return found


def _from_price(root: ProductView, info: Info, pick: Callable[[records.Price], Any]) -> Any:
    """The price data prepared on the view, or (not prepared) a load of it."""
    if root.price is UNLOADED:
        return _load_then(loaders(info).prices.load(root.id), lambda p: pick(_checked_price(p)))
    return pick(_checked_price(outcome_value(root.price)))


async def _load_then(pending: Awaitable[Any], then: Callable[[Any], Any]) -> Any:
    return then(await pending)


def price(root: ProductView, info: Info) -> Any:
    return _from_price(root, info, lambda p: p.price)


def compare_at_price(root: ProductView, info: Info) -> Any:
    return _from_price(root, info, lambda p: p.compare_at)


def on_sale(root: ProductView, info: Info) -> Any:
    return _from_price(root, info, lambda p: p.on_sale)


def images(root: ProductView, first: int | None = 5) -> list[records.Image]:
    return root.images[: 5 if first is None else first]


def stock_status(available: int) -> str:
    if available <= 0:
        return "OUT_OF_STOCK"
    return "LIMITED" if available < LIMITED_BELOW else "IN_STOCK"


def _availability(stock: records.Stock | None) -> Availability | None:
    if stock is None:
        return None
    return Availability(stock_status(stock.available), stock.restock_date)


def availability(root: ProductView, info: Info) -> Any:
    if root.stock is UNLOADED:
        return _load_then(loaders(info).stock.load(root.id), _availability)
    return _availability(outcome_value(root.stock))


def _rating(summary: records.ReviewSummary | None) -> Rating | None:
    if summary is None:
        return None
    return Rating(round(summary.average, 1), summary.count)


def rating(root: ProductView, info: Info) -> Any:
    if root.summary is UNLOADED:
        return _load_then(loaders(info).review_summaries.load(root.id), _rating)
    return _rating(outcome_value(root.summary))


async def reviews(
    root: ProductView, info: Info, first: int | None = 5, after: str | None = UNSET
) -> ReviewConnection:
    count = 5 if first is None else first
    pages = loaders(info).review_pages

    async def fetch(cursor: str | None, limit: int) -> tuple[list[records.Review], str | None]:
        page: records.ReviewPage = await pages.load((root.id, limit, cursor))
        return page.reviews, page.next_cursor

    page = await paginate(fetch, count, after, REVIEWS_PAGE_MAX)
    edges = [ReviewEdge(cursor, review) for cursor, review in page.edges]
    return ReviewConnection(
        edges, PageInfo(page.has_next_page, edges[-1].cursor if edges else None)
    )


async def review_author(root: records.Review, info: Info) -> records.User | None:
    user: records.User | None = await loaders(info).users.load(root.author_id)
    return user


async def delivery_estimate(
    root: ProductView, info: Info, postcode: str
) -> records.Estimate | None:
    estimate: records.Estimate | None = await loaders(info).estimates.load((root.id, postcode))
    return estimate


async def products_by_id(info: Info, ids: list[str]) -> list[ProductView]:
    """Known products, in the order given; ids the catalog does not know are left out."""
    found = await compose(info, ids, prefetch.below(info))
    return [view for view in map(outcome_value, found) if view is not None]


async def related(
    root: ProductView, info: Info, first: int | None = 4
) -> list[ProductView]:
    count = 4 if first is None else first
    ids: list[str] = await loaders(info).related.load((root.id, count))
    return await products_by_id(info, ids[:count])
