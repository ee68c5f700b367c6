"""catalog service: products by id, and search."""

from __future__ import annotations

from msgspec.json import Decoder

from app import errors
from app.upstream import CallScope, UpstreamClient, UpstreamResponse, decode
from loaders import records

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
    params = {"q": query, "limit": str(limit)}
    if cursor is not None:
        params["cursor"] = cursor

    def read(response: UpstreamResponse) -> records.SearchPage:
        if response.status == 400:
            if cursor is not None:
                raise errors.UserInputError("The `after` cursor is not valid for this search.")
            raise errors.DependencyError(COMPONENT, errors.DEPENDENCY_ERROR, "search refused")
        return decode(COMPONENT, _SEARCH, response.content)

    return await client.send(
        COMPONENT, "GET", "/search", scope, params=params, expect=frozenset({200, 400}),
        read=read,
    )
