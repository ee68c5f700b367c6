"""Product fields: leaves read what `compose` prepared; per-product calls go through loaders."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry import UNSET, Info

from loaders import records
from resolvers import prefetch
from resolvers.common import loaders
from resolvers.compose import ProductView, compose, outcome_value
from resolvers.pagination import paginate

REVIEWS_PAGE_MAX = 20


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


def images(root: ProductView, first: int | None = 5) -> list[records.Image]:
    return root.images[: 5 if first is None else first]


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
