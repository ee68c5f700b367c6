"""Hedged reads: a read slower than its service's recent p95 gets one second attempt."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from demo.server import DemoServer
from tests.cache_helpers import metric
from tests.servers import BffServer, Demo, start_bff

QUERY = '{ product(id: "p0001") { title rating { count } } }'


class SlowOnce:
    """A reviews service whose summaries answer at once, except call number `slow_call`."""

    def __init__(self) -> None:
        self.calls = 0
        self.slow_call = 0

    async def summaries(self, request: Request) -> Response:
        self.calls += 1
        if self.calls == self.slow_call:
            await asyncio.sleep(2)
        ids = request.query_params["ids"].split(",")
        body = {"summaries": [{"productId": i, "average": 4.0, "count": 7} for i in ids]}
        return Response(orjson.dumps(body), media_type="application/json")


@pytest.fixture
def slow_reviews() -> Iterator[tuple[SlowOnce, BffServer]]:
    service = SlowOnce()
    server = BffServer(Starlette(routes=[Route("/summaries", service.summaries)])).start()
    yield service, server
    server.stop()


@pytest.mark.parametrize("hedging", ["on", "off"])
def test_a_slow_read_is_hedged(
    demo_server: DemoServer, demo: Demo, slow_reviews: tuple[SlowOnce, BffServer],
    hedging: str,
) -> None:
    service, upstream = slow_reviews
    bff = start_bff(demo_server, hedging=hedging,
                    upstreams={"reviews": {"url": upstream.base_url, "timeout_ms": 600}})
    try:
        with httpx.Client(timeout=10) as http:
            for _ in range(25):  # the service's recent latency: fast
                assert http.post(bff.url, json={"query": QUERY}).json()["data"]["product"][
                    "rating"] == {"count": 7}
            service.slow_call = service.calls + 1
            before = service.calls
            hedges = metric(bff.base_url, "bff_upstream_hedges_total", component="reviews")
            cancelled = metric(bff.base_url, "bff_upstream_calls_total", component="reviews",
                               outcome="cancelled")
            body = http.post(bff.url, json={"query": QUERY}).json()
        if hedging == "on":
            assert body["data"]["product"]["rating"] == {"count": 7}, body
            assert service.calls - before == 2, "the slow call and one hedge"
            reviews = [c for c in body["extensions"]["trace"]["calls"]
                       if c["component"] == "reviews"]
            assert sorted(c["outcome"] for c in reviews) == ["cancelled", "ok"]
            # Deltas: the counters are the process's, other tests' hedges included.
            assert metric(bff.base_url, "bff_upstream_hedges_total",
                          component="reviews") - hedges == 1
            assert metric(bff.base_url, "bff_upstream_calls_total", component="reviews",
                          outcome="cancelled") - cancelled == 1
        else:
            assert body["data"]["product"]["rating"] is None
            assert body["errors"][0]["extensions"]["code"] == "DEPENDENCY_TIMEOUT"
            assert service.calls - before == 1
    finally:
        bff.stop()


def test_writes_are_never_hedged(demo_server: DemoServer, demo: Demo) -> None:
    from tests.conftest import auth, operation

    bff = start_bff(demo_server, hedging="on")
    try:
        demo.latency("cart", 5)
        with httpx.Client(timeout=10) as http:
            for _ in range(25):
                http.post(bff.url, json={"query": "{ viewer { cart { itemCount } } }"},
                          headers=auth("u0004"))
            demo.latency("cart", 400)
            variables = {"input": {"productId": "p0010", "quantity": 1,
                                   "idempotencyKey": "hedge-write"}}
            http.post(bff.url, json={"query": operation("AddToCart"), "variables": variables},
                      headers=auth("u0004"))
        posts = [c for c in demo.stats()["log"] if c["method"] == "POST"]
        assert len(posts) == 1
    finally:
        bff.stop()
