"""The root types: what a client can ask for and change."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET

from app.cache_policy import Scope, cache_hint
from resolvers import cart as cart_resolvers
from resolvers import home as home_resolvers
from resolvers import search as search_resolvers
from resolvers import viewer as viewer_resolvers
from schema.cart import AddToCartInput, CartPayload, RemoveFromCartInput
from schema.common import (
    MAX_CURSOR_CHARS,
    MAX_ID_CHARS,
    MAX_QUERY_CHARS,
    bounds,
    composed,
    cost,
    list_size,
    max_length,
)
from schema.home import HomeScreen
from schema.product import Product
from schema.search import ProductConnection
from schema.viewer import Viewer


def _product(id: strawberry.ID) -> Any: ...
def _products(ids: list[strawberry.ID]) -> Any: ...
def _search(query: str, first: int | None = 20, after: str | None = UNSET) -> Any: ...


@strawberry.type
class Query:
    viewer: Viewer | None = composed(
        viewer_resolvers.VIEWER,
        description="The signed-in user; null when the request is anonymous.",
        metadata=cache_hint(scope=Scope.PRIVATE),
    )
    home: HomeScreen = composed(
        home_resolvers.HOME, description="The composed home screen (mobile and web).",
        metadata=cost(0) | cache_hint(300),
    )
    product: Product | None = composed(
        search_resolvers.PRODUCT, arguments=_product,
        description="One product; null when it does not exist.",
        metadata=max_length(id=MAX_ID_CHARS) | cache_hint(300),
    )
    products: list[Product | None] = composed(
        search_resolvers.PRODUCTS, arguments=_products,
        description="Several products in the order asked; null entries for unknown ids. "
        "At most 50 ids.",
        metadata=bounds(ids=(0, 50)) | max_length(ids=MAX_ID_CHARS) | list_size(slicing="ids")
        | cost(1) | cache_hint(300),
    )
    search: ProductConnection = composed(
        search_resolvers.SEARCH, arguments=_search,
        description="Full-text product search, cursor-paginated. first: 1..50.",
        metadata=bounds(first=(1, search_resolvers.SEARCH_PAGE_MAX))
        | max_length(query=MAX_QUERY_CHARS, after=MAX_CURSOR_CHARS)
        | list_size(slicing="first", sized_fields=("edges",))
        | cache_hint(300),
    )


def _add_to_cart(input: AddToCartInput) -> Any: ...
def _remove_from_cart(input: RemoveFromCartInput) -> Any: ...


@strawberry.type
class Mutation:
    add_to_cart: CartPayload = composed(
        cart_resolvers.ADD_TO_CART, arguments=_add_to_cart,
        description="Add a product to the signed-in user's cart. Requires authentication.",
    )
    remove_from_cart: CartPayload = composed(
        cart_resolvers.REMOVE_FROM_CART, arguments=_remove_from_cart,
        description="Remove a product line from the signed-in user's cart. Requires "
        "authentication.",
    )
