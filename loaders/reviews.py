"""reviews service: rating summaries by product id, and review pages per product."""

from __future__ import annotations

from msgspec.json import Decoder

from app.upstream import CallScope, UpstreamClient
from loaders import paging, records

COMPONENT = "reviews"
_SUMMARIES = Decoder(records.Summaries)
_PAGE = Decoder(records.ReviewPage)


async def fetch_summaries(
    client: UpstreamClient, scope: CallScope, ids: list[str]
) -> dict[str, records.ReviewSummary]:
    body = await client.get_json(
        COMPONENT, "/summaries", {"ids": ",".join(ids)}, scope, _SUMMARIES, ids=ids
    )
    return {s.product_id: s for s in body.summaries}


async def fetch_page(
    client: UpstreamClient, scope: CallScope, key: tuple[str, int, str | None]
) -> records.ReviewPage:
    product_id, limit, cursor = key
    return await paging.fetch_page(
        client, scope, COMPONENT, "/reviews", {"productId": product_id, "limit": str(limit)},
        cursor, _PAGE, what="these reviews", ids=[product_id],
    )
