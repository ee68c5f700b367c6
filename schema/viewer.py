"""The signed-in user and their orders."""

from __future__ import annotations

import strawberry

from app.cache_policy import Scope, cache_hint
from resolvers import viewer as r
from schema.cart import Cart
from schema.common import DateTime, LoyaltyTier, Money, OrderStatus, bounds, list_size


@strawberry.type
class Order:
    id: strawberry.ID
    status: OrderStatus
    placed_at: DateTime
    item_count: int
    total: Money
    estimated_delivery: DateTime | None


@strawberry.type
class Viewer:
    id: strawberry.ID
    display_name: str
    avatar_url: str | None
    loyalty_tier: LoyaltyTier
    cart: Cart | None = strawberry.field(
        resolver=r.cart, description="Optional component (cart service).",
        metadata=cache_hint(scope=Scope.PRIVATE),
    )
    recent_orders: list[Order] | None = strawberry.field(
        resolver=r.recent_orders,
        description="Optional component (orders service). first: 1..20.",
        metadata=bounds(first=(1, 20)) | list_size(slicing="first")
        | cache_hint(scope=Scope.PRIVATE),
    )
