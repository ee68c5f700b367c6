"""promotions service: active promotions, for a segment or for everyone."""

from __future__ import annotations

from msgspec.json import Decoder

from app.upstream import CallScope, UpstreamClient
from loaders import records

COMPONENT = "promotions"
_PROMOTIONS = Decoder(records.Promotions)


async def fetch_promotions(
    client: UpstreamClient, scope: CallScope, segment: str | None
) -> list[records.Promotion]:
    params = {"segment": segment} if segment else {}
    body = await client.get_json(COMPONENT, "/promotions", params, scope, _PROMOTIONS)
    return body.promotions
