"""The composed home screen."""

from __future__ import annotations

from typing import Any

import strawberry

from app.cache_policy import Scope, cache_hint
from resolvers import home as r
from resolvers import viewer as viewer_resolvers
from schema.cart import CartSummary
from schema.common import bounds, composed, list_size
from schema.product import Product
from schema.viewer import Viewer


@strawberry.type
class Promotion:
    id: strawberry.ID
    title: str
    image_url: str | None
    deeplink: str


def _recommendations(first: int | None = 6) -> Any: ...


@strawberry.type
class HomeScreen:
    viewer: Viewer | None = composed(
        viewer_resolvers.VIEWER, description="Null when anonymous.",
        metadata=cache_hint(scope=Scope.PRIVATE),
    )
    recommendations: list[Product] | None = composed(
        r.RECOMMENDATIONS, arguments=_recommendations,
        description="Optional component (recommendations service); personalised when signed "
        "in, popular items otherwise. first: 1..24.",
        metadata=bounds(first=(1, 24)) | list_size(slicing="first")
        | cache_hint(60, Scope.PER_USER_WHEN_SIGNED_IN),
    )
    promotions: list[Promotion] | None = composed(
        r.PROMOTIONS,
        description="Optional component (promotions service).",
        metadata=list_size(assumed=10) | cache_hint(60, Scope.PER_USER_WHEN_SIGNED_IN),
    )
    cart_summary: CartSummary | None = composed(
        r.CART_SUMMARY,
        description="Optional component (cart service); null when anonymous.",
        metadata=cache_hint(scope=Scope.PRIVATE),
    )
