"""pricing: current price and compare-at price per product (some products have none)."""

from __future__ import annotations

from demo.core import Call, Endpoint, ServiceError, batch_ids, shuffled
from demo.data import CURRENCY, get_price


async def prices(call: Call) -> object:
    ids = batch_ids(call)
    currency = call.query.get("currency") or CURRENCY
    if currency != CURRENCY:
        raise ServiceError(400, "unsupported_currency", f"only {CURRENCY} is priced")
    found = [price for price in map(get_price, ids) if price is not None]
    return {"prices": shuffled(found)}


ENDPOINTS = (Endpoint("GET", "/prices", prices, "prices"),)
