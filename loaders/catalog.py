"""catalog service: products by id, and search."""

from __future__ import annotations

from msgspec.json import Decoder

from app.upstream import CallScope, UpstreamClient
from loaders import paging, records

COMPONENT = "catalog"
_PRODUCTS = Decoder(records.Products)
_SEARCH = Decoder(records.SearchPage)


async def fetch_products(
    client: UpstreamClient, scope: CallScope, ids: list[str]
) -> dict[str, records.Product]:
    body = await client.get_json(
        COMPONENT, "/products", {"ids": ",".join(ids)}, scope, _PRODUCTS, ids=ids
    )
    return {p.id: p for p in body.products}


async def search_page(
    client: UpstreamClient, scope: CallScope, key: tuple[str, int, str | None]
) -> records.SearchPage:
    return await search(client, scope, *key)


async def search(
    client: UpstreamClient, scope: CallScope, query: str, limit: int, cursor: str | None
) -> records.SearchPage:
    """One page of search results; a cursor the service rejects is the client's error."""
    return await paging.fetch_page(
        client, scope, COMPONENT, "/search", {"q": query, "limit": str(limit)}, cursor,
        _SEARCH, what="this search",
    )
