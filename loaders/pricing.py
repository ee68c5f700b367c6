"""pricing service: prices by product id (USD)."""

from __future__ import annotations

from msgspec.json import Decoder

from app.upstream import CallScope, UpstreamClient
from loaders import records

COMPONENT = "pricing"
CURRENCY = "USD"
_PRICES = Decoder(records.Prices)


async def fetch_prices(
    client: UpstreamClient, scope: CallScope, ids: list[str]
) -> dict[str, records.Price]:
    body = await client.get_json(
        COMPONENT, "/prices", {"ids": ",".join(ids), "currency": CURRENCY}, scope, _PRICES,
        ids=ids,
    )
    return {p.product_id: p for p in body.prices}
