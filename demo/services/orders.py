"""orders: a user's recent orders, newest first."""

from __future__ import annotations

from demo.core import Call, Endpoint, int_param, required
from demo.data import get_orders


async def orders(call: Call) -> object:
    user_id = required(call, "userId")
    limit = int_param(call, "limit", 1, 20, 10)
    return {"orders": list(get_orders(user_id)[:limit])}


ENDPOINTS = (Endpoint("GET", "/orders", orders, "orders"),)
