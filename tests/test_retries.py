"""Retries of idempotent reads, within a budget; writes sent once; the minimum budget.

Real servers throughout: the demo upstreams behind a BFF on 127.0.0.1 (faults that fire
on the next call only, `times`), and scripted servers for what the demo cannot do on
cue. Counts and order are checked, never speed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app import errors, retry
from app.deadline import Deadline
from app.settings import SERVICES, load_settings
from app.tracing import Tracing
from app.upstream import CallScope, UpstreamClient
from demo.server import DemoServer
from tests.conftest import auth, operation
from tests.scripted_http import Reply, ScriptedServer, Seen, answer
from tests.servers import BffServer, Demo, start_bff

PRODUCT = '{ product(id: "p0001") { title rating { count } } }'
TRANSIENT = {
    "502": {"mode": "status", "status": 502},
    "503": {"mode": "status", "status": 503},
    "504": {"mode": "status", "status": 504},
    "reset": {"mode": "reset"},
}


def metric(text: str, name: str, **labels: str) -> float:
    """One sample of a Prometheus text exposition (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    found = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


class Scrape:
    """Metric deltas over a block: the registry is shared by every server of the run."""

    def __init__(self, server: BffServer) -> None:
        self.url = f"{server.base_url}/metrics"
        self.before = httpx.get(self.url).text
        self.after = ""

    def again(self) -> None:
        self.after = httpx.get(self.url).text

    def delta(self, name: str, **labels: str) -> float:
        return metric(self.after, name, **labels) - metric(self.before, name, **labels)


@pytest.fixture
def bff(demo_server: DemoServer, demo: Demo) -> Iterator[BffServer]:
    """A BFF of its own: its retry budgets start empty."""
    server = start_bff(demo_server)
    yield server
    server.stop()


def _post(server: BffServer, query: str, variables: dict[str, Any] | None = None,
          headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = httpx.post(server.url, json={"query": query, "variables": variables or {}},
                          headers=headers or {}, timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _outcomes(body: dict[str, Any], component: str) -> list[str]:
    return [c["outcome"] for c in body["extensions"]["trace"]["calls"]
            if c["component"] == component]


@pytest.mark.parametrize("failure", sorted(TRANSIENT))
def test_a_read_failing_once_is_retried_once_and_served_complete(
    bff: BffServer, demo: Demo, failure: str
) -> None:
    demo.fault("reviews", path="/summaries", times=1, **TRANSIENT[failure])
    scrape = Scrape(bff)
    body = _post(bff, PRODUCT)
    scrape.again()
    assert "errors" not in body, body["errors"]
    assert body["data"]["product"]["rating"]["count"] >= 0
    assert "degraded" not in body["extensions"]
    assert demo.calls()["reviews /summaries"] == 2
    assert _outcomes(body, "reviews") == ["DEPENDENCY_UNAVAILABLE", "ok"]
    assert scrape.delta("bff_upstream_retries_total", component="reviews", decision="sent") == 1
    assert scrape.delta("bff_upstream_calls_total", component="reviews",
                        outcome="DEPENDENCY_UNAVAILABLE") == 1
    assert scrape.delta("bff_upstream_calls_total", component="reviews", outcome="ok") == 1


@pytest.mark.parametrize("failure", ["500", "404", "429", "invalid_json"])
def test_other_failures_are_not_retried(bff: BffServer, demo: Demo, failure: str) -> None:
    spec: dict[str, Any] = {"mode": "invalid_json"} if failure == "invalid_json" \
        else {"mode": "status", "status": int(failure)}
    demo.fault("reviews", path="/summaries", times=1, **spec)
    body = _post(bff, PRODUCT)
    assert body["data"]["product"]["rating"] is None
    assert demo.calls()["reviews /summaries"] == 1


@pytest.mark.parametrize("failure", sorted(TRANSIENT))
@pytest.mark.parametrize("write", ["AddToCart", "RemoveFromCart"])
def test_a_write_failing_the_same_way_is_sent_once(
    bff: BffServer, demo: Demo, failure: str, write: str
) -> None:
    path = "/carts/{userId}/items" if write == "AddToCart" \
        else "/carts/{userId}/items/{productId}"
    key = f"retry-{write}-{failure}"
    variables = {"input": {"productId": "p0010", "quantity": 1, "idempotencyKey": key}} \
        if write == "AddToCart" else {"input": {"productId": "p0010", "idempotencyKey": key}}
    httpx.post(bff.url, json={"query": "{ viewer { cart { itemCount } } }"},
               headers=auth("u0003")).raise_for_status()  # a kept-alive connection to reuse
    demo.fault("cart", path=path, times=1, **TRANSIENT[failure])
    scrape = Scrape(bff)
    body = _post(bff, operation(write), variables, auth("u0003"))
    scrape.again()
    assert body["errors"][0]["extensions"]["code"] == "DEPENDENCY_UNAVAILABLE", body
    method = "POST" if write == "AddToCart" else "DELETE"
    assert [c["method"] for c in demo.stats()["log"] if c["method"] == method] == [method]
    assert scrape.delta("bff_upstream_retries_total", component="cart", decision="sent") == 0


def test_the_retry_budget_stops_retries_when_a_service_keeps_failing(
    bff: BffServer, demo: Demo
) -> None:
    demo.fault("reviews", path="/summaries", mode="status", status=503)
    requests = 40
    scrape = Scrape(bff)
    started = time.monotonic()
    with httpx.Client(timeout=10) as http:
        for _ in range(requests):
            body = http.post(bff.url, json={"query": PRODUCT}).json()
            assert body["errors"][0]["extensions"]["code"] == "DEPENDENCY_UNAVAILABLE"
    elapsed = time.monotonic() - started
    scrape.again()
    sent = scrape.delta("bff_upstream_retries_total", component="reviews", decision="sent")
    refused = scrape.delta("bff_upstream_retries_total", component="reviews",
                           decision="budget")
    assert sent + refused == requests, "every first failure got a decision"
    assert sent >= retry.MIN_RETRIES_PER_WINDOW
    assert refused > 0
    if elapsed < retry.WINDOW_S:  # all in one window: the budget's exact bound
        assert sent <= retry.MIN_RETRIES_PER_WINDOW + 0.1 * requests
    assert demo.calls()["reviews /summaries"] == requests + sent
    assert scrape.delta("bff_upstream_calls_total", component="reviews",
                        outcome="DEPENDENCY_UNAVAILABLE") == requests + sent


def test_retry_after_is_honoured_when_it_fits(bff: BffServer, demo: Demo) -> None:
    demo.fault("reviews", path="/summaries", mode="status", status=503, retryAfter=1, times=1)
    body = _post(bff, PRODUCT, headers={"x-request-timeout-ms": "4000"})
    assert "errors" not in body, body["errors"]
    first, second = [c for c in body["extensions"]["trace"]["calls"]
                     if c["component"] == "reviews"]
    assert second["startMs"] - first["startMs"] >= 1000, "waited as asked"


def test_retry_after_beyond_the_deadline_is_not_waited_for(bff: BffServer, demo: Demo) -> None:
    demo.fault("reviews", path="/summaries", mode="status", status=503, retryAfter=5, times=1)
    scrape = Scrape(bff)
    body = _post(bff, PRODUCT)  # the default budget: 1000 ms
    scrape.again()
    assert body["errors"][0]["extensions"]["code"] == "DEPENDENCY_UNAVAILABLE"
    assert demo.calls()["reviews /summaries"] == 1
    assert scrape.delta("bff_upstream_retries_total", component="reviews",
                        decision="deadline") == 1


def test_retries_off_sends_each_read_once(demo_server: DemoServer, demo: Demo) -> None:
    server = start_bff(demo_server, retries="off")
    try:
        demo.fault("reviews", path="/summaries", mode="status", status=503, times=1)
        body = _post(server, PRODUCT)
        assert body["errors"][0]["extensions"]["code"] == "DEPENDENCY_UNAVAILABLE"
        assert demo.calls()["reviews /summaries"] == 1
    finally:
        server.stop()


def test_a_hedged_read_is_not_retried_by_its_twin(demo_server: DemoServer, demo: Demo) -> None:
    """Once a hedge went out, the pair is the read's two attempts: no third."""
    server = start_bff(demo_server, hedging="on",
                       upstreams={"reviews": {"timeout_ms": 300}})
    try:
        with httpx.Client(timeout=10) as http:
            for _ in range(25):  # the recent latency the hedge waits for
                http.post(server.url, json={"query": PRODUCT}).raise_for_status()
            demo.reset()
            # The first call hangs (then the fault retires); its hedge meets a 503.
            demo.fault("reviews", path="/summaries", mode="hang", hang_s=1, times=1)
            demo.fault("reviews", mode="status", status=503)
            scrape = Scrape(server)
            body = http.post(server.url, json={"query": PRODUCT}).json()
            scrape.again()
        assert demo.calls()["reviews /summaries"] == 2, "the slow call and its hedge"
        assert sorted(_outcomes(body, "reviews")) == ["DEPENDENCY_TIMEOUT",
                                                      "DEPENDENCY_UNAVAILABLE"]
        assert body["errors"][0]["extensions"]["code"] == "DEPENDENCY_UNAVAILABLE"
        assert scrape.delta("bff_upstream_hedges_total", component="reviews") == 1
        assert scrape.delta("bff_upstream_retries_total", component="reviews",
                            decision="sent") == 0
    finally:
        server.stop()


def test_no_upstream_call_starts_under_the_floor(demo_server: DemoServer, demo: Demo) -> None:
    """Review authors start when the reviews page arrives; with the page 250 ms late in a
    290 ms budget, the users call would start with under 40 ms left: never sent."""
    server = start_bff(demo_server, upstream_min_budget_ms=100)
    try:
        demo.latency("reviews", 250)
        body = _post(server, operation("ProductPage"), {"id": "p0001", "postcode": "10115"},
                     {"x-request-timeout-ms": "300"})
    finally:
        server.stop()
    log = demo.stats()["log"]
    assert log, "the first wave went out"
    assert all(int(c["headers"]["x-request-timeout-ms"]) >= 100 for c in log), [
        c["headers"]["x-request-timeout-ms"] for c in log]
    assert "users /users" not in demo.calls()
    reviews = body["data"]["product"]["reviews"]
    if reviews is not None:  # the page made it: its authors were refused without a call
        assert all(edge["node"]["author"] is None for edge in reviews["edges"])
        authors = [e for e in body["errors"] if e["path"][-1] == "author"]
        assert authors and {e["extensions"]["code"] for e in authors} == {"DEADLINE_EXCEEDED"}
        assert _outcomes(body, "users") == ["DEADLINE_EXCEEDED"]


# -- the client alone, against scripted servers -----------------------------------------


def _client(url: str, **settings: Any) -> UpstreamClient:
    environ = {f"BFF_UPSTREAM_{s.upper()}_URL": f"{url}/{s}" for s in SERVICES}
    return UpstreamClient(load_settings(environ, breaker_min_calls=100_000, **settings))


def _scope(budget_ms: float = 5000) -> CallScope:
    return CallScope("retry-test", Deadline(budget_ms), Tracing().background())


async def _get(client: UpstreamClient, scope: CallScope) -> Any:
    return await client.send("catalog", "GET", "/products", scope, params={"ids": "p1"},
                             ids=["p1"])


async def test_refused_connections_are_retried_once() -> None:
    with ScriptedServer(lambda seen: answer()) as server:
        url = server.url  # closed once the block ends: every connection is refused
    client, scope = _client(url), _scope()
    try:
        with pytest.raises(errors.DependencyError) as raised:
            await _get(client, scope)
    finally:
        await client.aclose()
    assert raised.value.code == errors.DEPENDENCY_UNAVAILABLE
    assert [c.outcome for c in scope.calls] == [errors.DEPENDENCY_UNAVAILABLE] * 2


@pytest.mark.parametrize("reply", [
    Reply(b"", "reset"),
    Reply(b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{", "reset"),
    answer(b"{}", status="502 Bad Gateway"),
    answer(b"{}", status="503 Service Unavailable"),
    answer(b"{}", status="504 Gateway Timeout"),
])
async def test_each_transient_failure_then_success(reply: Reply) -> None:
    def handler(seen: Seen) -> Reply:
        return reply if len(server.requests) == 1 else answer(b'{"products": []}')

    with ScriptedServer(handler) as server:
        client, scope = _client(server.url), _scope()
        try:
            response = await _get(client, scope)
        finally:
            await client.aclose()
    assert (response.status, response.content) == (200, b'{"products": []}')
    assert [c.outcome for c in scope.calls] == [errors.DEPENDENCY_UNAVAILABLE, "ok"]
    assert len(server.requests) == 2


async def test_writes_are_sent_once() -> None:
    with ScriptedServer(lambda seen: answer(b"{}", status="503 Service Unavailable")) as server:
        client, scope = _client(server.url), _scope()
        try:
            for method in ("POST", "DELETE", "PUT"):
                with pytest.raises(errors.DependencyError):
                    await client.send("cart", method, "/carts/u1/items", scope,
                                      headers={"idempotency-key": "k"})
        finally:
            await client.aclose()
    assert [r.method for r in server.requests] == ["POST", "DELETE", "PUT"]


async def test_no_retry_without_room_for_a_useful_call() -> None:
    """The deadline shrinks while the first attempt is out: after it fails, less than the
    floor would be left once the backoff is waited: not retried, counted `deadline`."""
    scope = _scope(5000)

    def handler(seen: Seen) -> Reply:
        scope.deadline.expires_at = time.monotonic() + 0.100 + retry.BACKOFF_S[0] / 2
        return answer(b"{}", status="503 Service Unavailable")

    with ScriptedServer(handler) as server:
        client = _client(server.url, upstream_min_budget_ms=100)
        try:
            with pytest.raises(errors.DependencyError):
                await _get(client, scope)
        finally:
            await client.aclose()
    assert len(server.requests) == 1


async def test_under_the_floor_nothing_is_sent() -> None:
    with ScriptedServer(lambda seen: answer()) as server:
        client = _client(server.url, upstream_min_budget_ms=50)
        scope = _scope(40)
        try:
            with pytest.raises(errors.DependencyError) as raised:
                await _get(client, scope)
        finally:
            await client.aclose()
    assert raised.value.code == errors.DEADLINE_EXCEEDED
    assert [c.outcome for c in scope.calls] == [errors.DEADLINE_EXCEEDED]
    assert server.requests == []


# -- the budget and the decision, by themselves ------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_budget_is_a_fraction_of_the_calls_in_a_sliding_window() -> None:
    clock = Clock()
    budget = retry.RetryBudget(0.1, clock)
    for _ in range(100):
        budget.record_call()
    granted = sum(budget.try_spend() for _ in range(100))
    assert granted == retry.MIN_RETRIES_PER_WINDOW + 10
    clock.now += retry.WINDOW_S / 2  # half a window on: the same calls and retries count
    assert not budget.try_spend()
    clock.now += retry.WINDOW_S  # all of them are out of the window
    granted = sum(budget.try_spend() for _ in range(100))
    assert granted == retry.MIN_RETRIES_PER_WINDOW


def test_a_zero_budget_allows_only_the_minimum() -> None:
    budget = retry.RetryBudget(0.0, Clock())
    for _ in range(1000):
        budget.record_call()
    assert sum(budget.try_spend() for _ in range(100)) == retry.MIN_RETRIES_PER_WINDOW


def test_decisions() -> None:
    budget = retry.RetryBudget(0.1, Clock())
    sent = retry.decide(1.0, 0.02, None, budget)
    assert sent.verdict == retry.SENT and retry.BACKOFF_S[0] <= sent.wait_s <= retry.BACKOFF_S[1]
    assert retry.decide(1.0, 0.02, "0", budget).verdict == retry.SENT
    assert retry.decide(3.0, 0.02, "2", budget) == retry.Decision(retry.SENT, 2.0)
    assert retry.decide(1.0, 0.02, "2", budget).verdict == retry.DEADLINE
    assert retry.decide(0.021, 0.02, None, budget).verdict == retry.DEADLINE
    assert retry.decide(1.0, 0.02, "soon", budget).verdict == retry.SENT  # unreadable: ignored
    for _ in range(retry.MIN_RETRIES_PER_WINDOW):
        budget.try_spend()
    assert retry.decide(1.0, 0.02, None, budget).verdict == retry.BUDGET


def test_retry_after_forms() -> None:
    assert retry.retry_after_s("3") == 3.0
    assert retry.retry_after_s(None) is None
    assert retry.retry_after_s("later") is None
    assert retry.retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
