"""The root product fields: one product, several products, and search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.context import RequestContext
from loaders import catalog, records
from resolvers.declare import Args, Call, Read
from resolvers.pagination import paginate
from resolvers.product import PageInfo

SEARCH_PAGE_MAX = 50
"""The search service's largest page (UPSTREAMS.md), and so the largest `search(first:)`."""


@dataclass(slots=True)
class ProductEdge:
    """`node` is the product's id: an entity key, composed by whoever executes the field."""

    cursor: str
    node: str


@dataclass(slots=True)
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    total_count: int


PRODUCT = Read(lambda root, args, ctx: args["id"])
"""Null when the catalog does not know the id."""


PRODUCTS = Read(lambda root, args, ctx: list(args["ids"]))
"""In the order asked, null entries for unknown ids; a failure nulls its own entry."""


async def _search(root: Any, args: Args, ctx: RequestContext) -> ProductConnection:
    pages = ctx.loaders.search_pages
    query: str = args["query"]
    total = 0

    async def fetch(cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        nonlocal total
        page: records.SearchPage = await pages.load((query, limit, cursor))
        total = page.total
        return page.ids, page.next_cursor

    page = await paginate(fetch, args.get("first") or 20, args.get("after"), SEARCH_PAGE_MAX)
    edges = [ProductEdge(cursor, product_id) for cursor, product_id in page.edges]
    return ProductConnection(
        edges, PageInfo(page.has_next_page, edges[-1].cursor if edges else None), total
    )


SEARCH = Call(_search, catalog.COMPONENT)
