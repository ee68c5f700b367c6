"""Product: its catalog record, and what hangs off its id (prices, stock, reviews, delivery,
related products).

A Product is an entity keyed by its id (`resolvers.entities`): the catalog says
whether it exists; everything else is loaded by id, so it starts as soon as the
id is known, in parallel with the catalog. Fields this module does not declare
read the catalog record (`title`, `description`, `brand`, `thumbnail_url`).
"""

from __future__ import annotations

from dataclasses import dataclass

from app import errors
from app.context import RequestContext
from loaders import records
from loaders import reviews as reviews_service
from loaders.pricing import COMPONENT as PRICING
from resolvers.declare import Args, Call, Load, Read
from resolvers.pagination import paginate

REVIEWS_PAGE_MAX = 20
"""The reviews service's largest page (UPSTREAMS.md), and so the largest `reviews(first:)`."""
LIMITED_BELOW = 5


@dataclass(slots=True)
class Availability:
    status: str
    restock_date: str | None


@dataclass(slots=True)
class Rating:
    average: float
    count: int


@dataclass(slots=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@dataclass(slots=True)
class ReviewEdge:
    cursor: str
    node: records.Review


@dataclass(slots=True)
class ReviewConnection:
    edges: list[ReviewEdge]
    page_info: PageInfo


def stock_status(available: int) -> str:
    if available <= 0:
        return "OUT_OF_STOCK"
    return "LIMITED" if available < LIMITED_BELOW else "IN_STOCK"


def _price(found: records.Price | None) -> records.Price:
    if found is None:
        raise errors.DependencyError(
            PRICING, errors.DEPENDENCY_ERROR, "no price",
            message="The pricing service has no price for this product.",
        )
    return found


def _availability(stock: records.Stock | None, args: Args) -> Availability | None:
    if stock is None:
        return None
    return Availability(stock_status(stock.available), stock.restock_date)


def _rating(summary: records.ReviewSummary | None, args: Args) -> Rating | None:
    if summary is None:
        return None
    return Rating(round(summary.average, 1), summary.count)


def _by_id(product_id: str, args: Args, ctx: RequestContext) -> str:
    return product_id


PRICE = Load("prices", _by_id, lambda found, args: _price(found).price)
COMPARE_AT_PRICE = Load("prices", _by_id, lambda found, args: _price(found).compare_at)
ON_SALE = Load("prices", _by_id, lambda found, args: _price(found).on_sale)
AVAILABILITY = Load("stock", _by_id, _availability)
RATING = Load("review_summaries", _by_id, _rating)


IMAGES = Read(
    lambda product, args, ctx: product.images[: args.get("first") or 5],
)


async def _reviews(product_id: str, args: Args, ctx: RequestContext) -> ReviewConnection:
    pages = ctx.loaders.review_pages

    async def fetch(cursor: str | None, limit: int) -> tuple[list[records.Review], str | None]:
        page: records.ReviewPage = await pages.load((product_id, limit, cursor))
        return page.reviews, page.next_cursor

    page = await paginate(fetch, args.get("first") or 5, args.get("after"), REVIEWS_PAGE_MAX)
    edges = [ReviewEdge(cursor, review) for cursor, review in page.edges]
    return ReviewConnection(
        edges, PageInfo(page.has_next_page, edges[-1].cursor if edges else None)
    )


REVIEWS = Call(_reviews, reviews_service.COMPONENT)


DELIVERY_ESTIMATE = Load(
    "estimates", lambda product_id, args, ctx: (product_id, args["postcode"]),
)


RELATED = Load(
    "related", lambda product_id, args, ctx: (product_id, args.get("first") or 4),
    lambda ids, args: ids[: args.get("first") or 4], drop_missing=True,
)

REVIEW_AUTHOR = Load("users", lambda review, args, ctx: review.author_id)
