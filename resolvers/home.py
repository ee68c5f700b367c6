"""The home screen: viewer, recommendations, promotions and cart summary, fetched in parallel."""

from __future__ import annotations

from strawberry import Info

from app.errors import DependencyError
from loaders import records
from resolvers.common import context, loaders
from resolvers.compose import ProductView
from resolvers.product import products_by_id


class Home:
    """The home screen has no data of its own; its fields fetch theirs."""


def home() -> Home:
    return Home()


async def recommendations(root: Home, info: Info, first: int | None = 6) -> list[ProductView]:
    count = 6 if first is None else first
    ids: list[str] = await loaders(info).recommended.load((context(info).user_id, count))
    return await products_by_id(info, ids[:count])


async def promotions(root: Home, info: Info) -> list[records.Promotion]:
    """Targeted by the user's segment; if the segment can't be had, untargeted (UPSTREAMS.md)."""
    user_id = context(info).user_id
    segment: str | None = None
    if user_id is not None:
        try:
            user: records.User | None = await loaders(info).users.load(user_id)
        except DependencyError:
            user = None
        segment = user.segment if user is not None else None
    found: list[records.Promotion] = await loaders(info).promotions.load(segment or "")
    return found


async def cart_summary(root: Home, info: Info) -> records.Cart | None:
    user_id = context(info).user_id
    if user_id is None:
        return None
    result: records.Cart = await loaders(info).carts.load(user_id)
    return result
