"""Root product lookups and search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strawberry import ID, UNSET, Info

from loaders import records
from resolvers import prefetch
from resolvers.common import loaders
from resolvers.pagination import paginate
from resolvers.product import PageInfo

SEARCH_PAGE_MAX = 50


@dataclass(slots=True)
class ProductEdge:
    cursor: str
    product_id: str


@dataclass(slots=True)
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    total_count: int


async def product(info: Info, id: ID) -> records.Product | None:
    prefetch.products(info, [id], prefetch.below(info))
    found: records.Product | None = await loaders(info).products.load(id)
    return found


def products(info: Info, ids: list[ID]) -> list[Any]:
    """One awaitable per id, so a failure nulls its entry and not the list."""
    loader = loaders(info).products
    prefetch.products(info, list(ids), prefetch.below(info))
    return [loader.load(product_id) for product_id in ids]


async def search(
    info: Info, query: str, first: int | None = 20, after: str | None = UNSET
) -> ProductConnection:
    pages = loaders(info).search_pages
    total = 0

    async def fetch(cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        nonlocal total
        page: records.SearchPage = await pages.load((query, limit, cursor))
        total = page.total
        return page.ids, page.next_cursor

    page = await paginate(fetch, 20 if first is None else first, after, SEARCH_PAGE_MAX)
    edges = [ProductEdge(cursor, product_id) for cursor, product_id in page.edges]
    nodes = prefetch.below(info, "edges", "node")
    if nodes:
        ids = [edge.product_id for edge in edges]
        loaders(info).products.load_many(ids).add_done_callback(prefetch.consume)
        prefetch.products(info, ids, nodes)
    return ProductConnection(
        edges, PageInfo(page.has_next_page, edges[-1].cursor if edges else None), total
    )


async def edge_node(root: ProductEdge, info: Info) -> records.Product | None:
    found: records.Product | None = await loaders(info).products.load(root.product_id)
    return found
