"""shipping: delivery estimates per product for a postcode."""

from __future__ import annotations

from demo.core import Call, Endpoint, batch_ids, required, shuffled
from demo.data import shipping_estimate


async def estimates(call: Call) -> object:
    ids = batch_ids(call)
    postcode = required(call, "postcode")
    found = [e for e in (shipping_estimate(pid, postcode) for pid in ids) if e is not None]
    return {"estimates": shuffled(found)}


ENDPOINTS = (Endpoint("GET", "/estimates", estimates, "estimates"),)
