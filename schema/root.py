"""The root types: what a client can ask for and change."""

from __future__ import annotations

import strawberry

from app.cache_policy import Scope, cache_hint
from resolvers import cart as cart_resolvers
from resolvers import home as home_resolvers
from resolvers import search as search_resolvers
from resolvers import viewer as viewer_resolvers
from schema.cart import CartPayload
from schema.common import bounds, cost, list_size
from schema.home import HomeScreen
from schema.product import Product
from schema.search import ProductConnection
from schema.viewer import Viewer


@strawberry.type
class Query:
    viewer: Viewer | None = strawberry.field(
        resolver=viewer_resolvers.viewer,
        description="The signed-in user; null when the request is anonymous.",
        metadata=cache_hint(scope=Scope.PRIVATE),
    )
    home: HomeScreen = strawberry.field(  # type: ignore[assignment]  # marker source
        resolver=home_resolvers.home, description="The composed home screen (mobile and web).",
        metadata=cost(0) | cache_hint(300),
    )
    product: Product | None = strawberry.field(
        resolver=search_resolvers.product, description="One product; null when it does not exist.",
        metadata=cache_hint(300),
    )
    products: list[Product | None] = strawberry.field(
        resolver=search_resolvers.products,
        description="Several products in the order asked; null entries for unknown ids. "
        "At most 50 ids.",
        metadata=bounds(ids=(0, 50)) | list_size(slicing="ids") | cost(1) | cache_hint(300),
    )
    search: ProductConnection = strawberry.field(
        resolver=search_resolvers.search,
        description="Full-text product search, cursor-paginated. first: 1..50.",
        metadata=bounds(first=(1, 50)) | list_size(slicing="first", sized_fields=("edges",))
        | cache_hint(300),
    )


@strawberry.type
class Mutation:
    add_to_cart: CartPayload = strawberry.field(
        resolver=cart_resolvers.add_to_cart,
        description="Add a product to the signed-in user's cart. Requires authentication.",
    )
    remove_from_cart: CartPayload = strawberry.field(
        resolver=cart_resolvers.remove_from_cart,
        description="Remove a product line from the signed-in user's cart. Requires "
        "authentication.",
    )
