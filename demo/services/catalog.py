"""catalog: product batches and cursor-paginated search."""

from __future__ import annotations

from demo.core import Call, Endpoint, ServiceError, batch_ids, int_param, shuffled
from demo.cursor import InvalidCursor, decode_cursor, encode_cursor
from demo.data import get_product
from demo.search import query_key, search


async def products(call: Call) -> object:
    found = [product for product in map(get_product, batch_ids(call)) if product is not None]
    return {"products": shuffled(found)}


async def search_products(call: Call) -> object:
    query = call.query.get("q")
    if query is None:
        raise ServiceError(400, "missing_q", "q is required")
    limit = int_param(call, "limit", 1, 50, 20)
    results = search(query)
    offset = 0
    cursor = call.query.get("cursor")
    if cursor:
        try:
            offset = decode_cursor(cursor, "search", query_key(query), len(results))
        except InvalidCursor:
            raise ServiceError(400, "invalid_cursor", "cursor is not valid here") from None
    end = min(offset + limit, len(results))
    more = end < len(results)
    return {
        "ids": list(results[offset:end]),
        "nextCursor": encode_cursor("search", query_key(query), end) if more else None,
        "total": len(results),
    }


ENDPOINTS = (
    Endpoint("GET", "/products", products, "products"),
    Endpoint("GET", "/search", search_products, "ids"),
)
