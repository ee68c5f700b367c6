"""The entity cache against the machine's Redis: only uncached ids are fetched, entries are
shared by processes, and stale entries back an optional dependency whose service fails."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from demo.server import DemoServer
from tests.cache_helpers import (
    cached_bff,
    delete_prefix,
    metric,
    new_prefix,
    process_env,
    serving,
)
from tests.servers import BffServer, Demo

IDS = [f"p{n:04d}" for n in range(21, 41)]


@pytest.fixture
def prefix() -> Iterator[str]:
    value = new_prefix()
    yield value
    delete_prefix(value)


def products(bff_url: str, ids: list[str], fields: str = "id title") -> dict[str, Any]:
    query = "{ products(ids: [" + ", ".join(f'"{i}"' for i in ids) + "]) { " + fields + " } }"
    body: dict[str, Any] = httpx.post(bff_url, json={"query": query}, timeout=10).json()
    return body


def catalog_ids(body: dict[str, Any]) -> list[list[str]]:
    """The ids of each catalog call (development trace)."""
    return [call["ids"] for call in body["extensions"]["trace"]["calls"]
            if call["component"] == "catalog"]


def entity_bff(demo_server: DemoServer, prefix: str, **ttls: int) -> BffServer:
    return cached_bff(demo_server, prefix, response_cache="off",
                      entity_cache_ttl_s={"catalog": 60, "reviews": 60, **ttls})


def test_a_batch_asks_only_for_the_ids_not_cached(demo_server: DemoServer, prefix: str,
                                                  demo: Demo) -> None:
    bff = entity_bff(demo_server, prefix)
    try:
        first = products(bff.url, IDS[:15])
        assert catalog_ids(first) == [IDS[:15]]
        second = products(bff.url, IDS)
        assert catalog_ids(second) == [IDS[15:]], "20 ids, 15 cached: one call for the 5"
        assert [p["id"] for p in second["data"]["products"]] == IDS
        assert second["data"]["products"][:15] == first["data"]["products"]
        third = products(bff.url, IDS)
        assert catalog_ids(third) == [] and third["data"] == second["data"]
        assert metric(bff.base_url, "bff_cache_requests_total", layer="entity",
                      result="hit") >= 35
    finally:
        bff.stop()


def test_entries_are_shared_by_processes(demo_server: DemoServer, prefix: str,
                                         demo: Demo) -> None:
    env = {**process_env(demo_server, prefix), "BFF_ENTITY_CACHE_CATALOG_TTL_S": "60",
           "BFF_RESPONSE_CACHE": "off"}
    with serving(env) as one:
        assert products(f"{one}/graphql", IDS[:10])["data"]["products"][0]["id"] == IDS[0]
    bff = entity_bff(demo_server, prefix)
    try:
        body = products(bff.url, IDS[:10])
        assert catalog_ids(body) == [], "what one process fetched, the other reads"
    finally:
        bff.stop()


def test_stale_summaries_back_the_rating_when_reviews_fail(demo_server: DemoServer,
                                                           prefix: str, demo: Demo) -> None:
    bff = entity_bff(demo_server, prefix, reviews=1)
    try:
        fresh = products(bff.url, IDS[:3], "id rating { average count }")
        assert "errors" not in fresh
        before = metric(bff.base_url, "bff_degraded_total", component="reviews",
                        reason="fallback")
        time.sleep(1.1)  # past the TTL: no longer served as fresh
        demo.fault("reviews", path="/summaries", mode="status", status=503)
        stale = products(bff.url, IDS[:3], "id rating { average count }")
        assert stale["data"]["products"] == fresh["data"]["products"]
        assert "errors" not in stale, "a fallback is not an error"
        assert stale["extensions"]["degraded"]["components"]["reviews"] == {
            "status": "fallback", "source": "stale-cache"}
        assert metric(bff.base_url, "bff_degraded_total", component="reviews",
                      reason="fallback") == before + 1
        uncached = products(bff.url, [*IDS[:1], "p0050"], "id rating { average count }")
        assert uncached["data"]["products"][0] == fresh["data"]["products"][0]
        assert uncached["data"]["products"][1]["rating"] is None, "no stale entry: an error"
        assert [e["path"] for e in uncached["errors"]] == [["products", 1, "rating"]]
        assert uncached["extensions"]["degraded"]["components"]["reviews"]["status"] == "error"
        demo.reset()
        healed = products(bff.url, IDS[:3], "id rating { average count }")
        assert "degraded" not in healed["extensions"], "stale is never served otherwise"
    finally:
        bff.stop()


def test_stale_prices_are_never_a_fallback(demo_server: DemoServer, prefix: str,
                                           demo: Demo) -> None:
    bff = entity_bff(demo_server, prefix, pricing=1)
    try:
        assert "errors" not in products(bff.url, IDS[:2], "id price { amount }")
        time.sleep(1.1)
        demo.fault("pricing", mode="status", status=503)
        failed = products(bff.url, IDS[:2], "id price { amount }")
        assert failed["data"]["products"] == [None, None]
        assert failed["extensions"]["degraded"]["components"]["pricing"]["status"] == "error"
    finally:
        bff.stop()
