"""The composed home screen."""

from __future__ import annotations

import strawberry

from app.cache_policy import Scope, cache_hint
from resolvers import home as r
from resolvers import viewer as viewer_resolvers
from schema.cart import CartSummary
from schema.common import bounds, list_size
from schema.product import Product
from schema.viewer import Viewer


@strawberry.type
class Promotion:
    id: strawberry.ID
    title: str
    image_url: str | None
    deeplink: str


@strawberry.type
class HomeScreen:
    viewer: Viewer | None = strawberry.field(
        resolver=viewer_resolvers.viewer, description="Null when anonymous.",
        metadata=cache_hint(scope=Scope.PRIVATE),
    )
    recommendations: list[Product] | None = strawberry.field(
        resolver=r.recommendations,
        description="Optional component (recommendations service); personalised when signed "
        "in, popular items otherwise. first: 1..24.",
        metadata=bounds(first=(1, 24)) | list_size(slicing="first")
        | cache_hint(60, Scope.PER_USER_WHEN_SIGNED_IN),
    )
    promotions: list[Promotion] | None = strawberry.field(
        resolver=r.promotions,
        description="Optional component (promotions service).",
        metadata=list_size(assumed=10) | cache_hint(60, Scope.PER_USER_WHEN_SIGNED_IN),
    )
    cart_summary: CartSummary | None = strawberry.field(
        resolver=r.cart_summary,
        description="Optional component (cart service); null when anonymous.",
        metadata=cache_hint(scope=Scope.PRIVATE),
    )
