"""The cart mutations: sent once with the client's idempotency key, never retried."""

from __future__ import annotations

from strawberry import Info

from app.errors import Unauthenticated
from loaders import cart as cart_service
from resolvers.common import context, loaders
from schema.cart import AddToCartInput, RemoveFromCartInput


def _user_id(info: Info) -> str:
    user_id = context(info).user_id
    if user_id is None:
        raise Unauthenticated("Sign in to change the cart.")
    return user_id


async def add_to_cart(info: Info, input: AddToCartInput) -> cart_service.CartChange:
    user_id = _user_id(info)
    ld = loaders(info)
    return await cart_service.add_item(
        ld.client, ld.scope, user_id, input.product_id, input.quantity, input.idempotency_key
    )


async def remove_from_cart(info: Info, input: RemoveFromCartInput) -> cart_service.CartChange:
    user_id = _user_id(info)
    ld = loaders(info)
    return await cart_service.remove_item(
        ld.client, ld.scope, user_id, input.product_id, input.idempotency_key
    )
