"""The /__demo control API (stats, reset, latency) and the server helpers."""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from demo import SERVICES, DemoServer, parse_latency_arg
from demo.latency import LatencySpec, latency_specs
from demo.stats import LOG_SIZE, Stats

ROOT = Path(__file__).resolve().parents[2]
BEARER = {"Authorization": "Bearer control-test"}


def timed_get(client: httpx.Client, path: str, **params: str) -> float:
    started = time.perf_counter()
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return time.perf_counter() - started


def test_stats_count_calls_per_path_template(client: httpx.Client) -> None:
    client.get("/catalog/products", params={"ids": "p0001,p0002"})
    client.get("/catalog/products", params={"ids": "p0003"})
    client.get("/catalog/search", params={"q": "lamp"})
    client.get("/reviews/summaries", params={"ids": "p0001"})
    client.get("/cart/carts/u0001")
    client.get("/cart/carts/u0002")
    client.post("/cart/carts/u0001/items", json={"productId": "p0001", "quantity": 1},
                headers={"Idempotency-Key": "a"})
    client.delete("/cart/carts/u0001/items/p0003", headers={"Idempotency-Key": "b"})
    calls = client.get("/__demo/stats").json()["calls"]
    assert calls == {
        "catalog /products": 2,
        "catalog /search": 1,
        "reviews /summaries": 1,
        "cart /carts/{userId}": 2,
        "cart /carts/{userId}/items": 1,
        "cart /carts/{userId}/items/{productId}": 1,
    }


def test_log_records_ids_query_headers_and_status(client: httpx.Client) -> None:
    headers = {
        "X-Request-Id": "req-123",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "X-Request-Timeout-Ms": "850",
        "X-User-Id": "u0001",
        "X-Not-Logged": "secret",
    }
    client.get("/pricing/prices", params={"ids": "p0001,p0002", "currency": "USD"},
               headers=headers)
    client.post("/cart/carts/u0001/items", json={"productId": "p0002", "quantity": 1},
                headers={"Idempotency-Key": "idem-1"})
    client.get("/reviews/reviews", params={"productId": "p0001", "limit": "99"})
    log = client.get("/__demo/stats").json()["log"]
    assert len(log) == 3
    prices, post, reviews = log
    assert prices == {
        "service": "pricing",
        "path": "/prices",
        "template": "/prices",
        "method": "GET",
        "ids": ["p0001", "p0002"],
        "query": {"ids": "p0001,p0002", "currency": "USD"},
        "headers": {
            "x-request-id": "req-123",
            "traceparent": headers["traceparent"],
            "x-request-timeout-ms": "850",
            "authorization": "Bearer demo-test-service-token",
            "x-user-id": "u0001",
        },
        "status": 200,
        "fault": None,
    }
    assert post["method"] == "POST" and post["path"] == "/carts/u0001/items"
    assert post["template"] == "/carts/{userId}/items" and post["ids"] is None
    assert post["headers"]["idempotency-key"] == "idem-1" and post["status"] == 422
    assert "x-user-id" not in post["headers"]
    assert reviews["status"] == 400 and reviews["query"] == {"productId": "p0001", "limit": "99"}


def test_unauthorised_calls_are_logged_with_401(
    client: httpx.Client, anonymous: httpx.Client
) -> None:
    anonymous.get("/users/users", params={"ids": "u0001"})
    entry = client.get("/__demo/stats").json()["log"][-1]
    assert entry["status"] == 401 and "authorization" not in entry["headers"]


def test_stats_limit_and_reset(client: httpx.Client) -> None:
    for n in range(1, 6):
        client.get("/users/users", params={"ids": f"u000{n}"})
    limited = client.get("/__demo/stats", params={"limit": "2"}).json()["log"]
    assert [e["ids"] for e in limited] == [["u0004"], ["u0005"]]
    assert client.get("/__demo/stats", params={"limit": "0"}).json()["log"] == []
    assert client.get("/__demo/stats", params={"limit": "x"}).status_code == 400
    assert client.post("/__demo/reset").json() == {"status": "reset"}
    assert client.get("/__demo/stats").json() == {"calls": {}, "log": []}


def test_log_keeps_the_last_10000() -> None:
    assert LOG_SIZE == 10_000
    stats = Stats(log_size=3)
    for n in range(5):
        stats.record("users /users", "users", "GET", "/users", {"ids": f"u{n}"}, {})
    snapshot = stats.snapshot()
    assert snapshot["calls"] == {"users /users": 5}
    assert [e["ids"] for e in snapshot["log"]] == [["u2"], ["u3"], ["u4"]]


def test_reset_clears_faults_and_latency(client: httpx.Client) -> None:
    client.put("/__demo/faults", json={"service": "users", "mode": "status"})
    client.put("/__demo/latency", json={"service": "*", "p50_ms": 500, "p99_ms": 500})
    client.post("/__demo/reset").raise_for_status()
    assert client.get("/__demo/faults").json() == {"faults": []}
    assert client.get("/__demo/latency").json() == {"latency": {}}
    assert timed_get(client, "/users/users", ids="u0001") < 0.5


def test_fixed_latency_delays_the_service(client: httpx.Client) -> None:
    response = client.put("/__demo/latency", json={"service": "reviews", "p50_ms": 50,
                                                    "p99_ms": 50})
    assert response.json() == {"latency": {"reviews": {"p50_ms": 50.0, "p99_ms": 50.0}}}
    for _ in range(3):
        assert timed_get(client, "/reviews/summaries", ids="p0001") >= 0.05
        assert timed_get(client, "/reviews/reviews", productId="p0001") >= 0.05


def test_service_latency_wins_over_star(client: httpx.Client) -> None:
    client.put("/__demo/latency", json={"service": "*", "p50_ms": 30, "p99_ms": 30})
    client.put("/__demo/latency", json={"service": "catalog", "p50_ms": 80})
    assert timed_get(client, "/catalog/products", ids="p0001") >= 0.08
    assert timed_get(client, "/users/users", ids="u0001") >= 0.03
    assert client.delete("/__demo/latency").json() == {"latency": {}}


@pytest.mark.parametrize(
    "spec",
    [
        {"service": "nope", "p50_ms": 1},
        {"service": "users"},
        {"service": "users", "p50_ms": -1},
        {"service": "users", "p50_ms": 50, "p99_ms": 10},
        {"service": "users", "p50_ms": "5"},
    ],
)
def test_invalid_latency_specs(client: httpx.Client, spec: dict[str, object]) -> None:
    response = client.put("/__demo/latency", json=spec)
    assert response.status_code == 400 and response.json()["error"] == "bad_request"


def test_latency_distribution_matches_the_percentiles() -> None:
    spec = LatencySpec(p50_ms=20, p99_ms=120)
    samples = sorted(spec.sample_s() * 1000 for _ in range(20_000))
    assert 18 <= statistics.median(samples) <= 22
    assert 100 <= samples[int(len(samples) * 0.99)] <= 145
    assert max(samples) <= 600
    assert LatencySpec(35, 35).sample_s() == 0.035
    zero = [LatencySpec(0, 40).sample_s() * 1000 for _ in range(20_000)]
    assert statistics.median(zero) < 1 and 30 <= sorted(zero)[int(len(zero) * 0.99)] <= 50


def test_latency_config_helpers() -> None:
    assert parse_latency_arg("*=5:40, reviews=20:120,cart=50") == {
        "*": (5.0, 40.0), "reviews": (20.0, 120.0), "cart": (50.0, 50.0),
    }
    assert parse_latency_arg("") == {}
    for bad in ("reviews", "reviews=x", "nope=5", "=5", "users=50:10"):
        with pytest.raises(ValueError):
            parse_latency_arg(bad)
    with pytest.raises(ValueError):
        latency_specs({"nope": (1, 2)})


def test_start_up_latency_survives_reset_until_deleted() -> None:
    with DemoServer(latency={"catalog": (60, 60)}) as server, httpx.Client(
        base_url=server.base_url, headers=BEARER
    ) as http:
        assert timed_get(http, "/catalog/products", ids="p0001") >= 0.06
        http.post("/__demo/reset").raise_for_status()
        assert http.get("/__demo/latency").json() == {
            "latency": {"catalog": {"p50_ms": 60.0, "p99_ms": 60.0}}
        }
        assert timed_get(http, "/catalog/products", ids="p0001") >= 0.06
        http.delete("/__demo/latency").raise_for_status()
        assert http.get("/__demo/latency").json() == {"latency": {}}


def test_server_helpers(demo_server: DemoServer) -> None:
    base = demo_server.base_url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
    assert demo_server.port == int(base.rsplit(":", 1)[1]) > 0
    assert demo_server.url_for("reviews") == f"{base}/reviews"
    assert demo_server.service_urls() == {s: f"{base}/{s}" for s in SERVICES}
    env = demo_server.upstream_env()
    assert env["BFF_UPSTREAM_RECOMMENDATIONS_URL"] == f"{base}/recommendations"
    assert len(env) == 10
    with pytest.raises(ValueError):
        demo_server.url_for("payments")
    health = httpx.get(f"{base}/__demo/health").json()
    assert health == {"status": "ok", "services": list(SERVICES)}


def test_stop_stops_serving_and_two_servers_have_separate_state() -> None:
    first, second = DemoServer(), DemoServer()
    first.start()
    second.start()
    try:
        httpx.post(f"{first.url_for('cart')}/carts/u0002/items", headers={
            **BEARER, "Idempotency-Key": "k"}, json={"productId": "p0001", "quantity": 1},
        ).raise_for_status()
        second_cart = httpx.get(f"{second.url_for('cart')}/carts/u0002", headers=BEARER).json()
        assert second_cart["items"] == []
        users_url = f"{second.url_for('users')}/users?ids=u0001"
    finally:
        first.stop()
        second.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(users_url, headers=BEARER)
    with pytest.raises(RuntimeError):
        _ = first.base_url


def test_stop_does_not_wait_for_hanging_calls() -> None:
    server = DemoServer()
    server.start()
    httpx.put(f"{server.base_url}/__demo/faults",
              json={"service": "users", "mode": "hang", "hang_s": 60})
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{server.url_for('users')}/users?ids=u0001", headers=BEARER, timeout=0.1)
    started = time.perf_counter()
    server.stop()
    assert time.perf_counter() - started < 3


def test_port_in_use_is_an_error(demo_server: DemoServer) -> None:
    with pytest.raises(RuntimeError):
        DemoServer(port=demo_server.port).start(timeout=5)


def test_run_demo_upstreams_serves_until_sigterm() -> None:
    script = "from demo import run_demo_upstreams; run_demo_upstreams('127.0.0.1', 0)"
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert match, line
        users = httpx.get(f"{match.group(0)}/users/users?ids=u0001", headers=BEARER)
        assert users.json()["users"][0]["id"] == "u0001"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
