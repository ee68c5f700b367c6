"""cart service: a user's cart, and the two writes (never retried by the BFF)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import msgspec
from msgspec.json import Decoder

from app import errors
from app.upstream import CallScope, UpstreamClient, UpstreamResponse, decode
from loaders import records

COMPONENT = "cart"
_CART = Decoder(records.Cart)
_ERROR = Decoder(records.UpstreamError)

# What the user can fix, worded by the BFF (upstream messages are not shown).
_USER_ERRORS: dict[str, tuple[str, list[str]]] = {
    "invalid_quantity": ("Quantity must be between 1 and 99.", ["input", "quantity"]),
    "product_not_found": ("This product does not exist.", ["input", "productId"]),
    "out_of_stock": ("This product is out of stock.", ["input", "productId"]),
    "idempotency_key_reused": (
        "This idempotency key was already used for a different change.",
        ["input", "idempotencyKey"],
    ),
}


@dataclass(frozen=True, slots=True)
class CartUserError:
    code: str
    message: str
    field: list[str] | None


@dataclass(frozen=True, slots=True)
class CartChange:
    """The outcome of a cart write: the new cart, or what the user must fix."""

    cart: records.Cart | None
    user_errors: list[CartUserError]


def _path(user_id: str, *rest: str) -> str:
    return "/carts/" + "/".join(quote(part, safe="") for part in (user_id, *rest))


async def fetch_cart(client: UpstreamClient, scope: CallScope, user_id: str) -> records.Cart:
    return await client.send(COMPONENT, "GET", _path(user_id), scope, read=_cart)


async def add_item(
    client: UpstreamClient, scope: CallScope, user_id: str, product_id: str, quantity: int,
    idempotency_key: str,
) -> CartChange:
    return await client.send(
        COMPONENT, "POST", _path(user_id, "items"), scope,
        json={"productId": product_id, "quantity": quantity},
        headers={"idempotency-key": idempotency_key}, ids=[product_id],
        expect=frozenset({200, 409, 422}), read=_change,
    )


async def remove_item(
    client: UpstreamClient, scope: CallScope, user_id: str, product_id: str,
    idempotency_key: str,
) -> CartChange:
    return await client.send(
        COMPONENT, "DELETE", _path(user_id, "items", product_id), scope,
        headers={"idempotency-key": idempotency_key}, ids=[product_id],
        expect=frozenset({200, 409, 422}), read=_change,
    )


def _cart(response: UpstreamResponse) -> records.Cart:
    return decode(COMPONENT, _CART, response.content)


def _change(response: UpstreamResponse) -> CartChange:
    """A write's answer: the new cart, what the user must fix, or a DEPENDENCY_ERROR (read
    inside the call, so an answer the BFF cannot use counts as the service's failure)."""
    status = response.status
    if status == 200:
        return CartChange(_cart(response), [])
    try:
        code = _ERROR.decode(response.content).error
    except msgspec.DecodeError:  # ValidationError included
        raise errors.DependencyError(COMPONENT, errors.DEPENDENCY_ERROR, "bad error body") from None
    if status == 409 and code != "idempotency_key_reused":
        raise errors.DependencyError(COMPONENT, errors.DEPENDENCY_ERROR, f"409 {code}")
    message, field = _USER_ERRORS.get(code, ("The cart could not be changed.", None))
    # The code is upstream text: only its letters, digits and underscores reach the client.
    shown = re.sub(r"[^A-Z0-9_]", "", code.upper())[:64] or "CART_CHANGE_REFUSED"
    return CartChange(None, [CartUserError(shown, message, field)])
