"""recommendations: per-user lists (popular items when anonymous) and related products."""

from __future__ import annotations

from demo.core import Call, Endpoint, int_param, required
from demo.data import popular_products, recommended_for, related_to

MODEL_VERSION = "demo-recs-2026.11"  # upstream-only


async def recommendations(call: Call) -> object:
    limit = int_param(call, "limit", 1, 24, 6)
    user_id = call.query.get("userId", "").strip()
    ids = recommended_for(user_id) if user_id else popular_products()
    return {"productIds": list(ids[:limit]), "modelVersion": MODEL_VERSION}


async def related(call: Call) -> object:
    product_id = required(call, "productId")
    limit = int_param(call, "limit", 1, 12, 4)
    return {"productIds": list(related_to(product_id)[:limit]), "modelVersion": MODEL_VERSION}


ENDPOINTS = (
    Endpoint("GET", "/recommendations", recommendations, "productIds"),
    Endpoint("GET", "/related", related, "productIds"),
)
