"""Loaders against the real demo upstreams: batching, chunking at the 100-id limit."""

from __future__ import annotations

import asyncio

from app.deadline import Deadline
from app.settings import load_settings
from app.tracing import Tracing
from app.upstream import CallScope, UpstreamClient
from loaders import Loaders
from tests.servers import Demo


async def _load_products(demo: Demo, ids: list[str], max_batch: int | None = None) -> list[object]:
    overrides = {"upstreams": {"catalog": {"max_batch": max_batch}}} if max_batch else {}
    settings = load_settings(demo.server.upstream_env(), **overrides)
    client = UpstreamClient(settings)
    try:
        scope = CallScope("loader-test", Deadline(5000), Tracing().background())
        loaders = Loaders(client, scope)
        return list(await asyncio.gather(*(loaders.products.load(i) for i in ids)))
    finally:
        await client.aclose()


async def test_150_ids_in_one_wave_make_two_calls_of_at_most_100(demo: Demo) -> None:
    ids = [f"p{n:04d}" for n in range(1, 151)]
    products = await _load_products(demo, ids)
    assert [p.id for p in products] == ids  # type: ignore[attr-defined]
    calls = [c for c in demo.stats()["log"] if c["service"] == "catalog"]
    assert len(calls) == 2
    assert sorted(len(c["ids"]) for c in calls) == [50, 100]
    assert sorted(i for c in calls for i in c["ids"]) == ids


async def test_max_batch_setting_and_unknown_ids(demo: Demo) -> None:
    ids = ["p0001", "p0002", "nope", "p0003", "p0001"]
    products = await _load_products(demo, ids, max_batch=2)
    assert [p and p.id for p in products] == ["p0001", "p0002", None, "p0003", "p0001"]  # type: ignore[attr-defined]
    calls = [c for c in demo.stats()["log"] if c["service"] == "catalog"]
    assert sorted(len(c["ids"]) for c in calls) == [2, 2], "duplicates are loaded once"
