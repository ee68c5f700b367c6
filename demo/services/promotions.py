"""promotions: the active ones, for everyone plus the given segment's."""

from __future__ import annotations

from demo.core import Call, Endpoint
from demo.data import active_promotions


async def promotions(call: Call) -> object:
    segment = call.query.get("segment", "").strip() or None
    return {"promotions": active_promotions(segment)}


ENDPOINTS = (Endpoint("GET", "/promotions", promotions, "promotions"),)
