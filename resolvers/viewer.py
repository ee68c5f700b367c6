"""The signed-in user (an entity keyed by the token's user id), their cart and orders.

Cart and orders are keyed by the user id, which the token gives before the
users service answers: they start at once, in parallel with the profile.
"""

from __future__ import annotations

from typing import Any

from app.context import RequestContext
from resolvers.declare import Args, Load, Read


def signed_in_user(root: Any, args: Args, ctx: RequestContext) -> str | None:
    return ctx.user_id


VIEWER = Read(signed_in_user)
"""Null when anonymous (or when the users service does not know the user)."""

CART = Load("carts", lambda user_id, args, ctx: user_id)


RECENT_ORDERS = Load(
    "orders", lambda user_id, args, ctx: (user_id, args.get("first") or 3),
    lambda orders, args: orders[: args.get("first") or 3],
)
