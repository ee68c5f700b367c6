"""Partial failure, honestly reported: every failure mode on an optional and a critical
dependency, and the request's deadline holding when an upstream hangs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from demo.server import DemoServer
from tests.conftest import operation
from tests.servers import BffServer, Client, Demo, start_bff

# mode options for the demo, and the code the BFF must report (HTTP.md table)
FAILURES: dict[str, tuple[dict[str, Any], str, bool]] = {
    "timeout": ({"mode": "hang", "hang_s": 5}, "DEPENDENCY_TIMEOUT", True),
    "503": ({"mode": "status", "status": 503}, "DEPENDENCY_UNAVAILABLE", True),
    "429": ({"mode": "status", "status": 429, "retryAfter": 1}, "DEPENDENCY_UNAVAILABLE", True),
    "502": ({"mode": "status", "status": 502}, "DEPENDENCY_UNAVAILABLE", True),
    "500": ({"mode": "status", "status": 500}, "DEPENDENCY_ERROR", False),
    "404": ({"mode": "status", "status": 404}, "DEPENDENCY_ERROR", False),
    "reset": ({"mode": "reset"}, "DEPENDENCY_UNAVAILABLE", True),
    "invalid_json": ({"mode": "invalid_json"}, "DEPENDENCY_ERROR", False),
    "wrong_shape": ({"mode": "wrong_shape"}, "DEPENDENCY_ERROR", False),
}

SEARCH = {"query": "lamp", "first": 5}


@pytest.fixture(scope="module")
def short_timeouts(demo_server: DemoServer) -> Iterator[BffServer]:
    """A BFF whose faulted services time out well inside its request budget."""
    server = start_bff(
        demo_server,
        default_timeout_ms=2000,
        upstreams={name: {"timeout_ms": 300} for name in ("reviews", "pricing")},
    )
    httpx.post(server.url, json={"query": "{ home { promotions { id } } }"})  # warm up
    yield server
    server.stop()


@pytest.fixture
def fast(short_timeouts: BffServer, demo: Demo) -> Iterator[Client]:
    c = Client(short_timeouts)
    yield c
    c.close()


def _errors_by_field(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for error in body.get("errors", []):
        found.setdefault(str(error["path"][-1]), []).append(error)
    return found


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_optional_dependency_failure_degrades_one_field(
    fast: Client, demo: Demo, failure: str
) -> None:
    options, code, retryable = FAILURES[failure]
    demo.fault("reviews", path="/summaries", **options)
    body = fast.post(operation("SearchResults"), SEARCH).json()
    edges = body["data"]["search"]["edges"]
    assert len(edges) == 5
    for edge in edges:
        node = edge["node"]
        assert node["rating"] is None
        assert node["title"] and node["price"]["amount"] > 0  # the rest is intact
        assert node["availability"]["status"] in ("IN_STOCK", "LIMITED", "OUT_OF_STOCK")
    errors = _errors_by_field(body)
    assert set(errors) == {"rating"}
    for error in errors["rating"]:
        assert error["extensions"] == {"code": code, "component": "reviews",
                                       "retryable": retryable}
        assert "127.0.0.1" not in error["message"] and "http" not in error["message"]
    assert body["extensions"]["degraded"] == {
        "components": {"reviews": {"status": "error", "reason": code}}
    }


@pytest.mark.parametrize("failure", ["timeout", "503", "reset", "wrong_shape"])
def test_critical_dependency_failure_nulls_the_nearest_nullable_parent(
    fast: Client, demo: Demo, failure: str
) -> None:
    options, code, retryable = FAILURES[failure]
    demo.fault("pricing", **options)
    body = fast.post(operation("SearchResults"), SEARCH).json()
    search = body["data"]["search"]
    assert search["totalCount"] > 0
    assert [edge["node"] for edge in search["edges"]] == [None] * 5  # Product.price is non-null
    assert all(edge["cursor"] for edge in search["edges"])
    for error in body["errors"]:
        assert error["extensions"]["code"] == code
        assert error["extensions"]["component"] == "pricing"
        assert error["extensions"]["retryable"] is retryable
    assert body["extensions"]["degraded"]["components"]["pricing"]["reason"] == code


def test_critical_root_dependency_failure_nulls_the_product(fast: Client, demo: Demo) -> None:
    demo.fault("catalog", mode="status", status=503)
    body = fast.post(operation("ProductPage"), {"id": "p0001", "postcode": "10115"}).json()
    assert body["data"] == {"product": None}
    assert body["errors"][0]["extensions"]["component"] == "catalog"


def test_search_failure_fails_the_non_null_root(fast: Client, demo: Demo) -> None:
    demo.fault("catalog", path="/search", mode="status", status=500)
    response = fast.post(operation("SearchResults"), SEARCH)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "DEPENDENCY_ERROR"


def test_each_optional_component_of_the_home_screen_degrades_alone(
    fast: Client, demo: Demo
) -> None:
    headers = {"Authorization": f"Bearer {_token()}"}
    for service, field in (("recommendations", "recommendations"),
                           ("promotions", "promotions"), ("cart", "cartSummary")):
        demo.reset()
        demo.fault(service, mode="status", status=503)
        body = fast.post(operation("HomeScreen"), headers=headers).json()
        home = body["data"]["home"]
        assert home[field] is None
        others = {"recommendations", "promotions", "cartSummary", "viewer"} - {field}
        assert all(home[other] is not None for other in others), (service, home)
        assert list(body["extensions"]["degraded"]["components"]) == [service]


def test_optional_failure_in_a_review_author(fast: Client, demo: Demo) -> None:
    demo.fault("users", mode="status", status=503)
    body = fast.post(operation("ProductPage"), {"id": "p0001", "postcode": "10115"}).json()
    edges = body["data"]["product"]["reviews"]["edges"]
    assert edges and all(edge["node"]["author"] is None for edge in edges)
    assert all(edge["node"]["body"] for edge in edges)


def test_server_keeps_serving_after_faults(fast: Client, demo: Demo) -> None:
    demo.fault("catalog", mode="reset")
    fast.post(operation("SearchResults"), SEARCH)
    demo.reset()
    body = fast.post(operation("SearchResults"), SEARCH).json()
    assert "errors" not in body
    assert len(body["data"]["search"]["edges"]) == 5


def test_bulkhead_fails_fast_beyond_its_limit(demo_server: DemoServer, demo: Demo) -> None:
    server = start_bff(demo_server, upstreams={"reviews": {"max_concurrency": 1,
                                                           "timeout_ms": 2000}})
    try:
        demo.latency("reviews", 300)
        with httpx.Client(timeout=10) as http:
            # two products: the summaries call takes the one slot, each /reviews page is a call
            query = '{ a: product(id: "p0001") { reviews(first: 1) { edges { cursor } } } ' \
                    'b: product(id: "p0003") { reviews(first: 1) { edges { cursor } } } }'
            body = http.post(server.url, json={"query": query}).json()
        codes = [e["extensions"]["code"] for e in body.get("errors", [])]
        assert codes == ["DEPENDENCY_UNAVAILABLE"]
        assert sum(1 for key in ("a", "b") if body["data"][key]["reviews"] is None) == 1
    finally:
        server.stop()


def _token() -> str:
    from tests.conftest import make_token

    return make_token("u0001")


# ---------------------------------------------------------------- the deadline

def test_hanging_optional_dependency_with_a_client_budget(client: Client, demo: Demo) -> None:
    demo.fault("reviews", mode="hang", hang_s=10)
    started = time.monotonic()
    response = client.post(
        operation("ProductPage"), {"id": "p0001", "postcode": "10115"},
        headers={"X-Request-Timeout-Ms": "300"},
    )
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, "the response must leave within the budget, not wait for the upstream"
    body = response.json()
    product = body["data"]["product"]
    assert product["title"] and product["price"]
    assert product["rating"] is None and product["reviews"] is None
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"DEADLINE_EXCEEDED"}
    assert body["extensions"]["degraded"]["components"]["reviews"] == {
        "status": "error", "reason": "DEADLINE_EXCEEDED"
    }
    sent = [c["headers"]["x-request-timeout-ms"] for c in demo.stats()["log"]]
    assert sent and all(0 <= int(ms) <= 300 for ms in sent)


def test_client_budget_is_capped_by_the_server_maximum(
    demo_server: DemoServer, demo: Demo
) -> None:
    server = start_bff(demo_server, max_timeout_ms=400, default_timeout_ms=400)
    try:
        demo.fault("reviews", path="/summaries", mode="hang", hang_s=10)
        started = time.monotonic()
        with httpx.Client(timeout=10) as http:
            body = http.post(
                server.url, json={"query": operation("SearchResults"), "variables": SEARCH},
                headers={"X-Request-Timeout-Ms": "60000"},
            ).json()
        assert time.monotonic() - started < 2.0
        assert {e["extensions"]["code"] for e in body["errors"]} == {"DEADLINE_EXCEEDED"}
        sent = [int(c["headers"]["x-request-timeout-ms"]) for c in demo.stats()["log"]]
        assert max(sent) <= 400
    finally:
        server.stop()


def test_hanging_critical_dependency_within_the_deadline(client: Client, demo: Demo) -> None:
    demo.fault("catalog", path="/products", mode="hang", hang_s=10)
    started = time.monotonic()
    body = client.post(operation("SearchResults"), SEARCH,
                       headers={"X-Request-Timeout-Ms": "250"}).json()
    assert time.monotonic() - started < 1.0
    assert [edge["node"] for edge in body["data"]["search"]["edges"]] == [None] * 5
    assert {e["extensions"]["code"] for e in body["errors"]} == {"DEADLINE_EXCEEDED"}
