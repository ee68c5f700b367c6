"""The cart mutations: sent once with the client's idempotency key, never retried."""

from __future__ import annotations

from typing import Any

from strawberry import Info

from app.errors import Unauthenticated
from loaders import cart as cart_service
from resolvers.common import context, loaders
from resolvers.compose import CartContents
from resolvers.compose import cart as compose_cart
from schema.cart import AddToCartInput, RemoveFromCartInput


def _user_id(info: Info) -> str:
    user_id = context(info).user_id
    if user_id is None:
        raise Unauthenticated("Sign in to change the cart.")
    return user_id


class Payload:
    __slots__ = ("cart", "user_errors")

    def __init__(self, cart: CartContents | None, user_errors: list[Any]) -> None:
        self.cart = cart
        self.user_errors = user_errors


async def _payload(info: Info, change: cart_service.CartChange) -> Payload:
    contents = await compose_cart(info, change.cart, "cart") if change.cart else None
    return Payload(contents, list(change.user_errors))


async def add_to_cart(info: Info, input: AddToCartInput) -> Payload:
    user_id = _user_id(info)
    ld = loaders(info)
    change = await cart_service.add_item(
        ld.client, ld.scope, user_id, input.product_id, input.quantity, input.idempotency_key
    )
    return await _payload(info, change)


async def remove_from_cart(info: Info, input: RemoveFromCartInput) -> Payload:
    user_id = _user_id(info)
    ld = loaders(info)
    change = await cart_service.remove_item(
        ld.client, ld.scope, user_id, input.product_id, input.idempotency_key
    )
    return await _payload(info, change)
