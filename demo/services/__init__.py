"""The ten demo services, each a tuple of Endpoints mounted under ``/<service>``."""

from __future__ import annotations

from typing import Final

from demo.core import Endpoint
from demo.services import (
    cart,
    catalog,
    inventory,
    orders,
    pricing,
    promotions,
    recommendations,
    reviews,
    shipping,
    users,
)

SERVICE_ENDPOINTS: Final[dict[str, tuple[Endpoint, ...]]] = {
    "users": users.ENDPOINTS,
    "catalog": catalog.ENDPOINTS,
    "pricing": pricing.ENDPOINTS,
    "inventory": inventory.ENDPOINTS,
    "reviews": reviews.ENDPOINTS,
    "recommendations": recommendations.ENDPOINTS,
    "cart": cart.ENDPOINTS,
    "orders": orders.ENDPOINTS,
    "promotions": promotions.ENDPOINTS,
    "shipping": shipping.ENDPOINTS,
}
