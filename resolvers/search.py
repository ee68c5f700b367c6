"""Root product lookups and search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strawberry import ID, UNSET, Info

from loaders import records
from resolvers import compose, prefetch
from resolvers.common import loaders
from resolvers.compose import Outcome, ProductView
from resolvers.pagination import paginate
from resolvers.product import PageInfo

SEARCH_PAGE_MAX = 50


class ProductEdge:
    __slots__ = ("_node", "cursor")

    def __init__(self, cursor: str, node: Outcome) -> None:
        self.cursor = cursor
        self._node = node

    @property
    def node(self) -> ProductView | None:
        """Null for an unknown id; the catalog's error when it failed."""
        view: ProductView | None = compose.outcome_value(self._node)
        return view


@dataclass(slots=True)
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    total_count: int


async def product(info: Info, id: ID) -> ProductView | None:
    return await compose.one(info, id)


async def products(info: Info, ids: list[ID]) -> list[Any]:
    """In the order asked; a failure nulls its own entry (an awaitable that raises)."""
    found = await compose.compose(info, list(ids), prefetch.below(info))
    return [_raising(item) if isinstance(item, BaseException) else item for item in found]


async def _raising(error: BaseException) -> None:
    compose.outcome_value(error)


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
    selected = prefetch.below(info, "edges", "node")
    nodes: list[compose.Outcome] = [None] * len(page.edges)
    if selected:
        nodes = await compose.compose(info, [pid for _, pid in page.edges], selected)
    edges = [ProductEdge(cursor, node) for (cursor, _), node in zip(page.edges, nodes,
                                                                      strict=True)]
    return ProductConnection(
        edges, PageInfo(page.has_next_page, edges[-1].cursor if edges else None), total
    )

