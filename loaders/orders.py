"""orders service: a user's recent orders."""

from __future__ import annotations

from msgspec.json import Decoder

from app.upstream import CallScope, UpstreamClient
from loaders import records

COMPONENT = "orders"
_ORDERS = Decoder(records.Orders)


async def fetch_orders(
    client: UpstreamClient, scope: CallScope, key: tuple[str, int]
) -> list[records.Order]:
    user_id, limit = key
    body = await client.get_json(
        COMPONENT, "/orders", {"userId": user_id, "limit": str(limit)}, scope, _ORDERS
    )
    return body.orders
