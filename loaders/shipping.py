"""shipping service: delivery estimates by product id, for one postcode per call."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from msgspec.json import Decoder

from app.upstream import CallScope, UpstreamClient
from loaders import records

COMPONENT = "shipping"
_ESTIMATES = Decoder(records.Estimates)


async def fetch_estimates(
    client: UpstreamClient, scope: CallScope, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], records.Estimate]:
    """Keys are (productId, postcode); one call per distinct postcode."""
    by_postcode: dict[str, list[str]] = defaultdict(list)
    for product_id, postcode in keys:
        by_postcode[postcode].append(product_id)

    async def one(postcode: str, ids: list[str]) -> dict[tuple[str, str], records.Estimate]:
        body = await client.get_json(
            COMPONENT, "/estimates", {"ids": ",".join(ids), "postcode": postcode}, scope,
            _ESTIMATES, ids=ids,
        )
        return {(e.product_id, postcode): e for e in body.estimates}

    found: dict[tuple[str, str], records.Estimate] = {}
    for part in await asyncio.gather(*(one(pc, ids) for pc, ids in by_postcode.items())):
        found.update(part)
    return found
