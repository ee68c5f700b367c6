"""The signed-in user and their cart and orders (all per-user, all optional)."""

from __future__ import annotations

from typing import Any

from strawberry import Info

from loaders import records
from resolvers import prefetch
from resolvers.common import context, loaders
from resolvers.compose import Outcome, compose, one, outcome_value


async def viewer(info: Info) -> records.User | None:
    user_id = context(info).user_id
    if user_id is None:
        return None
    prefetch.viewer(info, user_id)
    user: records.User | None = await loaders(info).users.load(user_id)
    return user


class CartLine:
    """A cart line whose product was composed with the whole cart (`compose`)."""

    __slots__ = ("line_total", "product_id", "quantity", "unit_price", "view")

    def __init__(self, item: records.CartItem, view: Outcome) -> None:
        self.product_id = item.product_id
        self.quantity = item.quantity
        self.unit_price = item.unit_price
        self.line_total = item.line_total
        self.view = view


class CartContents:
    __slots__ = ("item_count", "items", "subtotal", "updated_at")

    def __init__(self, cart: records.Cart, lines: list[CartLine]) -> None:
        self.items = lines
        self.item_count = cart.item_count
        self.subtotal = cart.subtotal
        self.updated_at = cart.updated_at


async def cart(root: records.User, info: Info) -> records.Cart | CartContents:
    result: records.Cart = await loaders(info).carts.load(root.id)
    selected = prefetch.below(info, "items", "product")
    if not selected:
        return result
    views = await compose(info, [item.product_id for item in result.items], selected)
    return CartContents(result, [CartLine(i, v) for i, v in zip(result.items, views,
                                                                 strict=True)])


async def recent_orders(
    root: records.User, info: Info, first: int | None = 3
) -> list[records.Order]:
    count = 3 if first is None else first
    found: list[records.Order] = await loaders(info).orders.load((root.id, count))
    return found[:count]


def cart_item_product(root: CartLine | records.CartItem, info: Info) -> Any:
    """Composed with its cart; a mutation's payload lines load theirs one by one."""
    if isinstance(root, CartLine):
        return outcome_value(root.view)
    return one(info, root.product_id)
