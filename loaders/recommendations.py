"""recommendations service: personalised or popular items, and related products."""

from __future__ import annotations

from msgspec.json import Decoder

from app.upstream import CallScope, UpstreamClient
from loaders import records

COMPONENT = "recommendations"
_IDS = Decoder(records.ProductIds)


async def fetch_recommended(
    client: UpstreamClient, scope: CallScope, key: tuple[str | None, int]
) -> list[str]:
    user_id, limit = key
    params = {"limit": str(limit)}
    if user_id is not None:
        params["userId"] = user_id
    body = await client.get_json(COMPONENT, "/recommendations", params, scope, _IDS)
    return body.product_ids


async def fetch_related(
    client: UpstreamClient, scope: CallScope, key: tuple[str, int]
) -> list[str]:
    product_id, limit = key
    body = await client.get_json(
        COMPONENT, "/related", {"productId": product_id, "limit": str(limit)}, scope, _IDS,
        ids=[product_id],
    )
    return body.product_ids
