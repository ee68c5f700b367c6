"""Cost in every response, and cost-based rate limiting across replicas sharing one Redis."""

from __future__ import annotations

import concurrent.futures
import time
import uuid
from typing import Any

import httpx

from demo.server import DemoServer
from tests.conftest import auth, operation
from tests.servers import Client, Demo, start_bff
from tests.test_cli import BFF, clean_env, free_port, running, wait_ready

PRICED = ["p0001", "p0002", "p0003", "p0005", "p0006", "p0007", "p0008", "p0009", "p0010",
          "p0011"]
IDS = ", ".join(f'"{p}"' for p in PRICED)
TEN_PRICES = "{ products(ids: [" + IDS + "]) { price { amount } } }"
TEN_PRICES_COST = 1 + 10 * 1  # products, then 10 x price


def test_every_executed_response_carries_its_cost(client: Client) -> None:
    body = client.post(TEN_PRICES).json()
    assert body["extensions"]["cost"] == {"requestedQueryCost": TEN_PRICES_COST,
                                          "actualQueryCost": TEN_PRICES_COST,
                                          "maximumAvailable": 1000}
    page = client.post(operation("SearchResults"), {"query": "lamp", "first": 50}).json()
    cost = page["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1 + 50 * 5
    edges = page["data"]["search"]["edges"]
    priced = sum(1 for e in edges if e["node"])
    # an unpriced product's node ran (1) but its price, availability and rating did not count
    assert cost["actualQueryCost"] == 1 + priced * 5 + (len(edges) - priced) * 1
    empty = client.post(operation("SearchResults"), {"query": "xylophone", "first": 50}).json()
    assert empty["extensions"]["cost"]["actualQueryCost"] == 1
    assert "throttleStatus" not in cost  # rate limiting is off by default


def test_throttled_request_makes_no_upstream_call(demo_server: DemoServer, demo: Demo) -> None:
    server = start_bff(demo_server, rate_limit_max_cost=15, rate_limit_restore_rate=0.01)
    try:
        with httpx.Client(timeout=10) as http:
            first = http.post(server.url, json={"query": TEN_PRICES})
            assert first.status_code == 200
            assert first.json()["extensions"]["cost"]["throttleStatus"] == {
                "maximumAvailable": 15, "currentlyAvailable": 4, "restoreRate": 0.01}
            calls = demo.calls()
            second = http.post(server.url, json={"query": TEN_PRICES},
                               headers={"Accept": "application/graphql-response+json"})
            assert second.status_code == 429
            assert int(second.headers["retry-after"]) >= 1
            body = second.json()
            assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
            assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 4
            assert body["extensions"]["cost"]["requestedQueryCost"] == TEN_PRICES_COST
            assert demo.calls() == calls, "a throttled query reaches no upstream"
            other_user = http.post(server.url, json={"query": TEN_PRICES}, headers=auth("u0009"))
            assert other_user.status_code == 200, "buckets are per client"
    finally:
        server.stop()


def test_unused_cost_is_refunded(demo_server: DemoServer, demo: Demo) -> None:
    server = start_bff(demo_server, rate_limit_max_cost=100, rate_limit_restore_rate=0.01)
    try:
        with httpx.Client(timeout=10) as http:
            query = '{ products(ids: ["p0001", "nope1", "nope2"]) { price { amount } } }'
            body = http.post(server.url, json={"query": query}).json()
            cost = body["extensions"]["cost"]
            assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (4, 2)
            assert cost["throttleStatus"]["currentlyAvailable"] == 98
    finally:
        server.stop()


def _burst(urls: list[str], count: int) -> list[httpx.Response]:
    def one(i: int) -> httpx.Response:
        return httpx.post(urls[i % len(urls)], json={"query": TEN_PRICES}, timeout=20)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        return list(pool.map(one, range(count)))


def test_two_replicas_share_one_bucket_in_redis() -> None:
    prefix = f"bff-rl-{uuid.uuid4().hex[:8]}:"
    capacity, rate = 110, 5.5  # ten queries' worth; one query back every two seconds
    ports = [free_port(), free_port()]
    env: dict[str, Any] = clean_env(
        BFF_REDIS_URL="redis://127.0.0.1:6379/0", BFF_REDIS_KEY_PREFIX=prefix,
        BFF_RATE_LIMIT_MAX_COST=str(capacity), BFF_RATE_LIMIT_RESTORE_RATE=str(rate),
        BFF_RESPONSE_CACHE="off",  # every query executed and spent (hits spend nothing)
    )
    with running([BFF, "serve", "--port", str(ports[0])], env) as one, \
            running([BFF, "serve", "--port", str(ports[1])], env) as two:
        for port, process in zip(ports, (one, two), strict=True):
            wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        urls = [f"http://127.0.0.1:{port}/graphql" for port in ports]
        started = time.monotonic()
        responses = _burst(urls, 40)
        elapsed = time.monotonic() - started
        admitted = [r for r in responses if r.status_code == 200]
        throttled = [r for r in responses if r.status_code == 429]
        assert len(admitted) + len(throttled) == 40
        budget = capacity + elapsed * rate  # the bucket plus what refilled during the burst
        assert len(admitted) * TEN_PRICES_COST <= budget, "replicas must never overspend"
        assert len(admitted) >= 9
        assert {r.request.url.port for r in admitted} == set(ports), "both replicas served"
        for response in throttled:
            assert response.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
            assert 1 <= int(response.headers["retry-after"]) <= 3
            status = response.json()["extensions"]["cost"]["throttleStatus"]
            assert status["maximumAvailable"] == capacity and status["restoreRate"] == rate
        wait = max(int(r.headers["retry-after"]) for r in throttled)
        time.sleep(wait + 0.2)
        again = httpx.post(urls[1], json={"query": TEN_PRICES}, timeout=20)
        assert again.status_code == 200, again.text
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = list(client.scan_iter(f"{prefix}*"))
    assert keys, "the bucket lived in Redis"
    client.delete(*keys)
    client.close()
