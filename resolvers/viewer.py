"""The signed-in user and their cart and orders (all per-user, all optional)."""

from __future__ import annotations

from strawberry import Info

from loaders import records
from resolvers import compose, prefetch
from resolvers.common import context, loaders


async def viewer(info: Info) -> records.User | None:
    user_id = context(info).user_id
    if user_id is None:
        return None
    prefetch.viewer(info, user_id)
    user: records.User | None = await loaders(info).users.load(user_id)
    return user


async def cart(root: records.User, info: Info) -> compose.CartContents:
    result: records.Cart = await loaders(info).carts.load(root.id)
    return await compose.cart(info, result)


async def recent_orders(
    root: records.User, info: Info, first: int | None = 3
) -> list[records.Order]:
    count = 3 if first is None else first
    found: list[records.Order] = await loaders(info).orders.load((root.id, count))
    return found[:count]
