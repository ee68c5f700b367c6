"""inventory service: stock by product id."""

from __future__ import annotations

from msgspec.json import Decoder

from app.upstream import CallScope, UpstreamClient
from loaders import records

COMPONENT = "inventory"
_STOCK = Decoder(records.StockList)


async def fetch_stock(
    client: UpstreamClient, scope: CallScope, ids: list[str]
) -> dict[str, records.Stock]:
    body = await client.get_json(COMPONENT, "/stock", {"ids": ",".join(ids)}, scope, _STOCK,
                                 ids=ids)
    return {s.product_id: s for s in body.stock}
