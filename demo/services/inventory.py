"""inventory: exact stock counts (the BFF must only ever expose a status)."""

from __future__ import annotations

from demo.core import Call, Endpoint, batch_ids, shuffled
from demo.data import get_stock


async def stock(call: Call) -> object:
    found = [entry for entry in map(get_stock, batch_ids(call)) if entry is not None]
    return {"stock": shuffled(found)}


ENDPOINTS = (Endpoint("GET", "/stock", stock, "stock"),)
