"""Product fields: catalog data is on the record; everything else comes through loaders."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry import UNSET, Info

from app import errors
from loaders import records
from loaders.pricing import COMPONENT as PRICING
from resolvers import prefetch
from resolvers.common import loaders
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


async def _price(root: records.Product, info: Info) -> records.Price:
    price: records.Price | None = await loaders(info).prices.load(root.id)
    if price is None:
        raise errors.DependencyError(
            PRICING, errors.DEPENDENCY_ERROR, "no price",
            message="The pricing service has no price for this product.",
        )
    return price


async def price(root: records.Product, info: Info) -> records.Money:
    return (await _price(root, info)).price


async def compare_at_price(root: records.Product, info: Info) -> records.Money | None:
    return (await _price(root, info)).compare_at


async def on_sale(root: records.Product, info: Info) -> bool:
    return (await _price(root, info)).on_sale


def images(root: records.Product, first: int | None = 5) -> list[records.Image]:
    return root.images[: 5 if first is None else first]


def stock_status(available: int) -> str:
    if available <= 0:
        return "OUT_OF_STOCK"
    return "LIMITED" if available < LIMITED_BELOW else "IN_STOCK"


async def availability(root: records.Product, info: Info) -> Availability | None:
    stock: records.Stock | None = await loaders(info).stock.load(root.id)
    if stock is None:
        return None
    return Availability(stock_status(stock.available), stock.restock_date)


async def rating(root: records.Product, info: Info) -> Rating | None:
    summary: records.ReviewSummary | None = await loaders(info).review_summaries.load(root.id)
    if summary is None:
        return None
    return Rating(round(summary.average, 1), summary.count)


async def reviews(
    root: records.Product, info: Info, first: int | None = 5, after: str | None = UNSET
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
    root: records.Product, info: Info, postcode: str
) -> records.Estimate | None:
    estimate: records.Estimate | None = await loaders(info).estimates.load((root.id, postcode))
    return estimate


async def products_by_id(info: Info, ids: list[str]) -> list[records.Product]:
    """Known products, in the order given; ids the catalog does not know are left out."""
    prefetch.products(info, ids, prefetch.below(info))
    found = await loaders(info).products.load_many(ids)
    return [p for p in found if p is not None]


async def related(
    root: records.Product, info: Info, first: int | None = 4
) -> list[records.Product]:
    count = 4 if first is None else first
    ids: list[str] = await loaders(info).related.load((root.id, count))
    return await products_by_id(info, ids[:count])
