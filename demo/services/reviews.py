"""reviews: rating summaries in batches, and one product's reviews, newest first."""

from __future__ import annotations

from demo.core import Call, Endpoint, ServiceError, batch_ids, int_param, required, shuffled
from demo.cursor import InvalidCursor, decode_cursor, encode_cursor
from demo.data import get_review_summary, get_reviews


async def summaries(call: Call) -> object:
    found = [s for s in map(get_review_summary, batch_ids(call)) if s is not None]
    return {"summaries": shuffled(found)}


async def reviews(call: Call) -> object:
    product_id = required(call, "productId")
    limit = int_param(call, "limit", 1, 20, 10)
    all_reviews = get_reviews(product_id)
    offset = 0
    cursor = call.query.get("cursor")
    if cursor:
        try:
            offset = decode_cursor(cursor, "reviews", product_id, len(all_reviews))
        except InvalidCursor:
            raise ServiceError(400, "invalid_cursor", "cursor is not valid here") from None
    end = min(offset + limit, len(all_reviews))
    return {
        "reviews": list(all_reviews[offset:end]),
        "nextCursor": encode_cursor("reviews", product_id, end) if end < len(all_reviews) else None,
    }


ENDPOINTS = (
    Endpoint("GET", "/summaries", summaries, "summaries"),
    Endpoint("GET", "/reviews", reviews, "reviews"),
)
