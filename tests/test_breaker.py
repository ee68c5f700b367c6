"""The circuit breaker: its state machine, and a failing service refused locally over HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from app.breaker import CLOSED, HALF_OPEN, OPEN, Breaker
from demo.server import DemoServer
from tests.servers import Demo, start_bff


def test_opens_at_the_failure_rate_after_min_calls_then_probes() -> None:
    breaker = Breaker("unit-a", min_calls=4, failure_rate=0.5, open_s=0.05)
    for failed in (True, False, True):
        assert breaker.allow()
        breaker.record(failed)
    assert breaker.state == CLOSED  # 3 calls: under min_calls
    breaker.record(True)
    assert breaker.state == OPEN  # 3 of 4 failed
    assert not breaker.allow()
    time.sleep(0.06)
    assert breaker.allow()  # the probe
    assert breaker.state == HALF_OPEN
    assert not breaker.allow()  # one probe at a time
    breaker.record(True)
    assert breaker.state == OPEN
    time.sleep(0.06)
    assert breaker.allow()
    breaker.record(False)
    assert breaker.state == CLOSED


def test_a_probe_without_verdict_lets_the_next_one_go() -> None:
    breaker = Breaker("unit-b", min_calls=1, failure_rate=1.0, open_s=0.0)
    breaker.record(True)
    assert breaker.state == OPEN
    assert breaker.allow()
    breaker.release_probe()
    assert breaker.allow()


def test_healthy_traffic_keeps_it_closed() -> None:
    breaker = Breaker("unit-c", min_calls=4, failure_rate=0.5, open_s=1)
    for index in range(100):
        breaker.record(index % 4 == 0)  # a quarter failing: under the rate
    assert breaker.state == CLOSED


def test_failing_service_is_refused_locally_then_recovers(
    demo_server: DemoServer, demo: Demo
) -> None:
    # Retries off: each request is one call, so the window's count is the requests'.
    server = start_bff(demo_server, breaker_min_calls=3, breaker_failure_rate=0.5,
                       breaker_open_ms=400, retries="off")
    query = '{ product(id: "p0001") { title rating { count } } }'
    try:
        with httpx.Client(timeout=10) as http:
            demo.fault("reviews", path="/summaries", mode="status", status=503)
            codes = []
            for _ in range(3):
                body = http.post(server.url, json={"query": query}).json()
                codes.append(body["errors"][0]["extensions"]["code"])
            assert codes == ["DEPENDENCY_UNAVAILABLE"] * 3
            sent = demo.calls()["reviews /summaries"]
            body = http.post(server.url, json={"query": query}).json()
            assert body["data"]["product"]["title"]
            assert body["data"]["product"]["rating"] is None
            assert body["errors"][0]["extensions"] == {
                "code": "CIRCUIT_OPEN", "component": "reviews", "retryable": True}
            assert body["extensions"]["degraded"]["components"]["reviews"]["reason"] == \
                "CIRCUIT_OPEN"
            assert demo.calls()["reviews /summaries"] == sent, "refused without a call"
            metrics = http.get(f"{server.base_url}/metrics").text
            assert 'bff_circuit_breaker_state{component="reviews"} 1.0' in metrics
            assert 'bff_upstream_calls_total{component="reviews",outcome="CIRCUIT_OPEN"}' \
                in metrics
            demo.reset()  # the service recovers
            time.sleep(0.45)
            body = http.post(server.url, json={"query": query}).json()
            assert "errors" not in body, body
            assert body["data"]["product"]["rating"]["count"] >= 0
            metrics = http.get(f"{server.base_url}/metrics").text
            assert 'bff_circuit_breaker_state{component="reviews"} 0.0' in metrics
    finally:
        server.stop()


@pytest.mark.parametrize("mode", ["invalid_json", "wrong_shape"])
def test_bad_answers_are_failures_counted_and_opening_the_breaker(
    demo_server: DemoServer, demo: Demo, mode: str
) -> None:
    """A 200 whose body is not JSON, or not the documented shape, is the service failing:
    DEPENDENCY_ERROR for the field, in bff_upstream_calls_total, in the development trace
    and in the breaker's window alike."""
    server = start_bff(demo_server, breaker_min_calls=3, breaker_failure_rate=0.5,
                       breaker_open_ms=60_000)
    query = '{ product(id: "p0001") { title rating { count } } }'
    label = 'bff_upstream_calls_total{component="reviews",outcome="%s"}'
    try:
        with httpx.Client(timeout=10) as http:
            before = http.get(f"{server.base_url}/metrics").text
            demo.fault("reviews", path="/summaries", mode=mode)
            for _ in range(3):
                body = http.post(server.url, json={"query": query}).json()
                assert body["data"]["product"]["rating"] is None
                assert body["errors"][0]["extensions"]["code"] == "DEPENDENCY_ERROR"
                reviews = [c for c in body["extensions"]["trace"]["calls"]
                           if c["component"] == "reviews"]
                assert [c["outcome"] for c in reviews] == ["DEPENDENCY_ERROR"]
            after = http.get(f"{server.base_url}/metrics").text
            assert _sample(after, label % "DEPENDENCY_ERROR") \
                - _sample(before, label % "DEPENDENCY_ERROR") == 3
            assert _sample(after, label % "ok") == _sample(before, label % "ok")
            sent = demo.calls()["reviews /summaries"]
            body = http.post(server.url, json={"query": query}).json()
            assert body["errors"][0]["extensions"]["code"] == "CIRCUIT_OPEN"
            assert demo.calls()["reviews /summaries"] == sent, "refused without a call"
    finally:
        server.stop()


def test_a_cart_write_answered_with_garbage_is_a_counted_failure(
    demo_server: DemoServer, demo: Demo
) -> None:
    from tests.conftest import auth, operation

    server = start_bff(demo_server)
    label = 'bff_upstream_calls_total{component="cart",outcome="DEPENDENCY_ERROR"}'
    variables = {"input": {"productId": "p0010", "quantity": 1, "idempotencyKey": "garbage"}}
    try:
        with httpx.Client(timeout=10) as http:
            before = _sample(http.get(f"{server.base_url}/metrics").text, label)
            demo.fault("cart", path="/carts/{userId}/items", mode="invalid_json")
            body = http.post(server.url, json={"query": operation("AddToCart"),
                                               "variables": variables},
                             headers=auth("u0005")).json()
            assert body["errors"][0]["extensions"]["code"] == "DEPENDENCY_ERROR"
            assert [c["outcome"] for c in body["extensions"]["trace"]["calls"]] == [
                "DEPENDENCY_ERROR"]
            after = _sample(http.get(f"{server.base_url}/metrics").text, label)
            assert after - before == 1
    finally:
        server.stop()


def _sample(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
