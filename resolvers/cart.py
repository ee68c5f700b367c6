"""Cart lines and the cart mutations: sent once with the client's idempotency key, never
retried."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.context import RequestContext
from app.errors import Unauthenticated
from loaders import cart as cart_service
from loaders import records
from resolvers.declare import Args, Call, Read


@dataclass(slots=True)
class Payload:
    cart: records.Cart | None
    user_errors: list[cart_service.CartUserError]


def _user_id(ctx: RequestContext) -> str:
    if ctx.user_id is None:
        raise Unauthenticated("Sign in to change the cart.")
    return ctx.user_id


def _payload(change: cart_service.CartChange) -> Payload:
    return Payload(change.cart, list(change.user_errors))


async def _add(root: Any, args: Args, ctx: RequestContext) -> Payload:
    user_id = _user_id(ctx)
    given = args["input"]
    return _payload(await cart_service.add_item(
        ctx.loaders.client, ctx.loaders.scope, user_id, given["productId"], given["quantity"],
        given["idempotencyKey"],
    ))


async def _remove(root: Any, args: Args, ctx: RequestContext) -> Payload:
    user_id = _user_id(ctx)
    given = args["input"]
    return _payload(await cart_service.remove_item(
        ctx.loaders.client, ctx.loaders.scope, user_id, given["productId"],
        given["idempotencyKey"],
    ))


ADD_TO_CART = Call(_add, cart_service.COMPONENT)
REMOVE_FROM_CART = Call(_remove, cart_service.COMPONENT)

LINE_PRODUCT = Read(lambda item, args, ctx: item.product_id)
"""Null when the product could not be composed (unknown, or its critical data failed)."""
