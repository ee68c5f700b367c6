"""The home screen: recommendations, promotions and the cart summary (the viewer is
`resolvers.viewer.VIEWER` here too)."""

from __future__ import annotations

import asyncio
from typing import Any

from app.context import RequestContext
from loaders import promotions as promotions_service
from loaders import records
from resolvers.declare import Args, Call, Load, constant


class Home:
    """The home screen has no data of its own; its fields fetch theirs."""


HOME = constant(Home())


RECOMMENDATIONS = Load(
    "recommended", lambda home, args, ctx: (ctx.user_id, args.get("first") or 6),
    lambda ids, args: ids[: args.get("first") or 6], drop_missing=True,
)
"""Personalised when signed in, popular items otherwise; unknown products left out."""


SEGMENT_SHARE = 0.5
"""The part of the remaining budget the user's segment may take before promotions are
asked for untargeted: a slow users service must not cost the promotions too."""


async def _promotions(home: Any, args: Args, ctx: RequestContext) -> list[records.Promotion]:
    """Targeted by the user's segment; if the segment can't be had (in time), untargeted
    (UPSTREAMS.md)."""
    segment: str | None = None
    if ctx.user_id is not None:
        wait_s = ctx.scope.deadline.remaining_s() * SEGMENT_SHARE
        try:
            (user,) = await asyncio.wait_for(
                asyncio.shield(ctx.loaders.users.load_many([ctx.user_id])), wait_s)
        except TimeoutError:
            user = None
        if isinstance(user, records.User):  # not None, nor the users service's failure
            segment = user.segment
    found: list[records.Promotion] = await ctx.loaders.promotions.load(segment or "")
    return found


PROMOTIONS = Call(_promotions, promotions_service.COMPONENT)

CART_SUMMARY = Load("carts", lambda home, args, ctx: ctx.user_id)
"""Null when anonymous."""
