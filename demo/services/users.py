"""users: profiles, including the upstream-only ``email`` and ``fraudScore``."""

from __future__ import annotations

from demo.core import Call, Endpoint, batch_ids, shuffled
from demo.data import get_user


async def users(call: Call) -> object:
    found = [user for user in map(get_user, batch_ids(call)) if user is not None]
    return {"users": shuffled(found)}


ENDPOINTS = (Endpoint("GET", "/users", users, "users"),)
