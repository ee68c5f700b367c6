"""The cart service's mutable state: carts per user and idempotency records.

Lives in the app's DemoState (not at module level), so two demo apps in one
process never share carts, and /__demo/reset can put everything back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from demo.core import Raw, ServiceError
from demo.data import get_price, get_product, get_stock, get_user, initial_cart, iso, money

MAX_LINE_QUANTITY = 99


@dataclass(slots=True)
class _Cart:
    lines: dict[str, int] = field(default_factory=dict)  # productId -> quantity, in add order
    updated_at: str | None = None


class CartStore:
    def __init__(self) -> None:
        self._carts: dict[str, _Cart] = {}
        self._replays: dict[tuple[str, str], tuple[str, Raw]] = {}

    def reset(self) -> None:
        self._carts.clear()
        self._replays.clear()

    def _cart(self, uid: str) -> _Cart:
        cart = self._carts.get(uid)
        if cart is None:
            lines, updated_at = initial_cart(uid)
            cart = self._carts[uid] = _Cart(dict(lines), updated_at)
        return cart

    def view(self, uid: str) -> dict[str, Any]:
        """The contract's Cart, totals computed here from current prices."""
        cart = self._cart(uid)
        items = []
        subtotal = 0
        for pid, quantity in cart.lines.items():
            price = get_price(pid)
            unit = 0 if price is None else price["price"]["amount"]
            subtotal += unit * quantity
            items.append({
                "productId": pid,
                "quantity": quantity,
                "unitPrice": money(unit),
                "lineTotal": money(unit * quantity),
            })
        user = get_user(uid)
        return {
            "userId": uid,
            "items": items,
            "itemCount": sum(cart.lines.values()),
            "subtotal": money(subtotal),
            "updatedAt": cart.updated_at,
            "internalNote": f"cart {uid}: manual margin review not required",
            "fraudScore": 0.0 if user is None else user["fraudScore"],
        }

    def add(self, uid: str, product_id: Any, quantity: Any) -> dict[str, Any]:
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not (
            1 <= quantity <= MAX_LINE_QUANTITY
        ):
            raise ServiceError(422, "invalid_quantity", "quantity must be an integer 1..99")
        if not isinstance(product_id, str) or get_product(product_id) is None:
            raise ServiceError(422, "product_not_found", f"no product {product_id!r}")
        if get_price(product_id) is None:
            raise ServiceError(422, "product_not_found", f"{product_id} is not for sale")
        stock = get_stock(product_id)
        if stock is None or stock["available"] == 0:
            raise ServiceError(422, "out_of_stock", f"{product_id} is out of stock")
        cart = self._cart(uid)
        new_quantity = cart.lines.get(product_id, 0) + quantity
        if new_quantity > MAX_LINE_QUANTITY:
            raise ServiceError(
                422, "invalid_quantity", f"a cart line holds at most {MAX_LINE_QUANTITY}"
            )
        cart.lines[product_id] = new_quantity
        cart.updated_at = iso(datetime.now(UTC))
        return self.view(uid)

    def remove(self, uid: str, product_id: str) -> dict[str, Any]:
        cart = self._cart(uid)
        if cart.lines.pop(product_id, None) is not None:
            cart.updated_at = iso(datetime.now(UTC))
        return self.view(uid)

    def replay(self, uid: str, key: str, fingerprint: str) -> Raw | None:
        """The answer stored under this key (None if new); 409 if it was for another request."""
        record = self._replays.get((uid, key))
        if record is None:
            return None
        if record[0] != fingerprint:
            raise ServiceError(
                409, "idempotency_key_reused", "this Idempotency-Key was used with another request"
            )
        return record[1]

    def remember(self, uid: str, key: str, fingerprint: str, answer: Raw) -> None:
        self._replays[(uid, key)] = (fingerprint, answer)
