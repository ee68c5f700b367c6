"""The signed-in user and their orders."""

from __future__ import annotations

from typing import Any

import strawberry

from app.cache_policy import Scope, cache_hint
from resolvers import viewer as r
from schema.cart import Cart
from schema.common import DateTime, LoyaltyTier, Money, OrderStatus, bounds, composed, list_size


@strawberry.type
class Order:
    id: strawberry.ID
    status: OrderStatus
    placed_at: DateTime
    item_count: int
    total: Money
    estimated_delivery: DateTime | None


def _recent_orders(first: int | None = 3) -> Any: ...


@strawberry.type
class Viewer:
    """An entity keyed by the signed-in user's id (`resolvers.entities`); undeclared fields
    read its users record."""

    id: strawberry.ID
    display_name: str
    avatar_url: str | None
    loyalty_tier: LoyaltyTier
    cart: Cart | None = composed(
        r.CART, description="Optional component (cart service).",
        metadata=cache_hint(scope=Scope.PRIVATE),
    )
    recent_orders: list[Order] | None = composed(
        r.RECENT_ORDERS, arguments=_recent_orders,
        description="Optional component (orders service). first: 1..20.",
        metadata=bounds(first=(1, 20)) | list_size(slicing="first")
        | cache_hint(scope=Scope.PRIVATE),
    )
