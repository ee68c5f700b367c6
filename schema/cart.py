"""Cart, its lines, and the cart mutations' inputs and payload."""

from __future__ import annotations

from typing import Any

import strawberry

from resolvers import cart as r
from schema.common import (
    MAX_ID_CHARS,
    MAX_IDEMPOTENCY_KEY_CHARS,
    DateTime,
    Money,
    bounds,
    composed,
    cost,
    header_value,
    list_size,
    max_length,
)
from schema.product import Product


@strawberry.type
class CartItem:
    product: Product | None = composed(
        r.LINE_PRODUCT, description="Optional: null when the product could not be composed.",
        metadata=cost(1),
    )
    product_id: strawberry.ID
    quantity: int
    unit_price: Money
    line_total: Money


@strawberry.type
class Cart:
    items: list[CartItem] = strawberry.field(metadata=list_size(assumed=20))
    item_count: int
    subtotal: Money
    updated_at: DateTime | None


@strawberry.type
class CartSummary:
    item_count: int
    subtotal: Money


@strawberry.type
class UserError:
    code: str = strawberry.field(
        description="Stable machine-readable code, e.g. INVALID_QUANTITY, PRODUCT_NOT_FOUND, "
        "OUT_OF_STOCK."
    )
    message: str
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "quantity"].'
    )


@strawberry.type
class CartPayload:
    cart: Cart | None = strawberry.field(
        description="The cart after the change; null when the change was rejected."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Problems the user can act on (validation, out of stock). Empty on success."
    )


_PRODUCT_ID: dict[str, Any] = max_length(productId=MAX_ID_CHARS)
_IDEMPOTENCY_KEY: dict[str, Any] = max_length(idempotencyKey=MAX_IDEMPOTENCY_KEY_CHARS) \
    | header_value("idempotencyKey")


@strawberry.input
class AddToCartInput:
    product_id: strawberry.ID = strawberry.field(metadata=_PRODUCT_ID)
    quantity: int = strawberry.field(
        default=1, description="1..99", metadata=bounds(quantity=(1, 99))
    )
    idempotency_key: str = strawberry.field(
        description="Client-generated key (UUID recommended). Replaying the same key returns "
        "the same result and never adds twice.",
        metadata=_IDEMPOTENCY_KEY,
    )


@strawberry.input
class RemoveFromCartInput:
    product_id: strawberry.ID = strawberry.field(metadata=_PRODUCT_ID)
    idempotency_key: str = strawberry.field(metadata=_IDEMPOTENCY_KEY)
