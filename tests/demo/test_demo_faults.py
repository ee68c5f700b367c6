"""Fault injection: every mode, per path, by rate; released by DELETE; counted in stats."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest

from demo.core import SERVICES

ROUTE_OF: dict[str, tuple[str, dict[str, str]]] = {
    "users": ("/users/users", {"ids": "u0001"}),
    "catalog": ("/catalog/products", {"ids": "p0001"}),
    "pricing": ("/pricing/prices", {"ids": "p0001"}),
    "inventory": ("/inventory/stock", {"ids": "p0001"}),
    "reviews": ("/reviews/summaries", {"ids": "p0001"}),
    "recommendations": ("/recommendations/recommendations", {}),
    "cart": ("/cart/carts/u0001", {}),
    "orders": ("/orders/orders", {"userId": "u0001"}),
    "promotions": ("/promotions/promotions", {}),
    "shipping": ("/shipping/estimates", {"ids": "p0001", "postcode": "10115"}),
}
LIST_KEY = {
    "users": "users", "catalog": "products", "pricing": "prices", "inventory": "stock",
    "reviews": "summaries", "recommendations": "productIds", "cart": "items",
    "orders": "orders", "promotions": "promotions", "shipping": "estimates",
}


def put_fault(client: httpx.Client, **spec: Any) -> Any:
    response = client.put("/__demo/faults", json=spec)
    assert response.status_code == 200, response.text
    return response.json()


def call(client: httpx.Client, service: str, **kwargs: Any) -> httpx.Response:
    path, params = ROUTE_OF[service]
    return client.get(path, params=params, **kwargs)


def last_log(client: httpx.Client) -> Any:
    return client.get("/__demo/stats", params={"limit": "1"}).json()["log"][-1]


@pytest.mark.parametrize("service", SERVICES)
def test_status_fault_on_every_service(client: httpx.Client, service: str) -> None:
    put_fault(client, service=service, mode="status", status=503, retryAfter=2)
    response = call(client, service)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert response.json() == {
        "error": "service_unavailable", "message": "injected fault: HTTP 503",
    }
    other = "users" if service != "users" else "catalog"
    assert call(client, other).status_code == 200
    assert last_log(client)["status"] == 200
    entry = client.get("/__demo/stats").json()["log"][-2]
    assert entry["service"] == service and entry["status"] == 503 and entry["fault"] == "status"


def test_status_fault_without_retry_after_and_other_codes(client: httpx.Client) -> None:
    put_fault(client, service="pricing", mode="status", status=500)
    response = call(client, "pricing")
    assert response.status_code == 500 and "retry-after" not in response.headers
    assert response.json()["error"] == "internal_error"
    put_fault(client, service="pricing", mode="status", status=429, retryAfter=1)
    response = call(client, "pricing")
    assert response.status_code == 429 and response.headers["retry-after"] == "1"


def test_fault_limited_to_one_path(client: httpx.Client) -> None:
    put_fault(client, service="reviews", path="/summaries", mode="status", status=502)
    assert client.get("/reviews/summaries", params={"ids": "p0001"}).status_code == 502
    assert client.get("/reviews/reviews", params={"productId": "p0001"}).status_code == 200


def test_fault_on_a_templated_cart_path(client: httpx.Client) -> None:
    put_fault(client, service="cart", path="/carts/{userId}/items", mode="status", status=503)
    assert client.get("/cart/carts/u0001").status_code == 200
    response = client.post(
        "/cart/carts/u0001/items", json={"productId": "p0001", "quantity": 1},
        headers={"Idempotency-Key": "x"},
    )
    assert response.status_code == 503
    assert client.get("/cart/carts/u0001").json()["itemCount"] == 4  # nothing was added


def test_most_specific_fault_wins_and_faults_coexist(client: httpx.Client) -> None:
    put_fault(client, service="reviews", mode="status", status=500)
    put_fault(client, service="reviews", path="/reviews", mode="status", status=504)
    put_fault(client, service="users", mode="status", status=503)
    listed = client.get("/__demo/faults").json()["faults"]
    assert len(listed) == 3
    assert client.get("/reviews/reviews", params={"productId": "p0001"}).status_code == 504
    assert client.get("/reviews/summaries", params={"ids": "p0001"}).status_code == 500
    assert call(client, "users").status_code == 503
    assert client.delete("/__demo/faults").json() == {"faults": []}
    assert call(client, "users").status_code == 200


def test_hang_delays_then_answers_normally(client: httpx.Client) -> None:
    put_fault(client, service="catalog", mode="hang", hang_s=0.4)
    started = time.perf_counter()
    response = call(client, "catalog")
    assert time.perf_counter() - started >= 0.4
    assert response.status_code == 200 and response.json()["products"][0]["id"] == "p0001"


def test_hang_makes_a_client_timeout(client: httpx.Client) -> None:
    put_fault(client, service="inventory", mode="hang", hang_s=1.0)
    with pytest.raises(httpx.ReadTimeout):
        call(client, "inventory", timeout=0.2)
    entry = client.get("/__demo/stats").json()["log"]
    assert [e["fault"] for e in entry if e["service"] == "inventory"] == ["hang"]


def test_clearing_faults_releases_hanging_calls(client: httpx.Client) -> None:
    put_fault(client, service="orders", mode="hang", hang_s=30)
    result: list[httpx.Response] = []
    worker = threading.Thread(target=lambda: result.append(call(client, "orders", timeout=10)))
    started = time.perf_counter()
    worker.start()
    time.sleep(0.2)
    client.delete("/__demo/faults").raise_for_status()
    worker.join(5)
    assert result and result[0].status_code == 200
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("service", ["catalog", "cart", "reviews"])
def test_reset_drops_the_connection_without_a_response(
    client: httpx.Client, service: str
) -> None:
    put_fault(client, service=service, mode="reset")
    with pytest.raises(httpx.TransportError):
        call(client, service)
    client.delete("/__demo/faults").raise_for_status()
    assert call(client, service).status_code == 200
    log = client.get("/__demo/stats").json()["log"]
    faulted = [e for e in log if e["fault"] == "reset"]
    assert len(faulted) == 1 and faulted[0]["status"] == 0


def test_reset_with_a_fresh_connection(demo_server_url: str) -> None:
    with httpx.Client(base_url=demo_server_url) as http:
        http.put("/__demo/faults", json={"service": "users", "mode": "reset"})
        try:
            with pytest.raises(httpx.TransportError):
                http.get("/users/users", params={"ids": "u0001"},
                         headers={"Authorization": "Bearer t"})
        finally:
            http.delete("/__demo/faults")


@pytest.mark.parametrize("service", SERVICES)
def test_invalid_json(client: httpx.Client, service: str) -> None:
    put_fault(client, service=service, mode="invalid_json")
    response = call(client, service)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


@pytest.mark.parametrize("service", SERVICES)
def test_wrong_shape(client: httpx.Client, service: str) -> None:
    put_fault(client, service=service, mode="wrong_shape")
    response = call(client, service)
    assert response.status_code == 200
    body = response.json()
    assert body == {LIST_KEY[service]: "wrong shape"}
    client.delete("/__demo/faults")
    healthy = call(client, service).json()
    assert isinstance(healthy[LIST_KEY[service]], list) and set(healthy) >= set(body)


def test_rate_zero_never_fires_and_rate_half_sometimes(client: httpx.Client) -> None:
    put_fault(client, service="users", mode="status", status=503, rate=0)
    assert {call(client, "users").status_code for _ in range(30)} == {200}
    put_fault(client, service="users", mode="status", status=503, rate=0.5)
    statuses = [call(client, "users").status_code for _ in range(100)]
    assert 10 < statuses.count(503) < 90 and statuses.count(200) + statuses.count(503) == 100


def test_times_fires_on_the_next_calls_only(client: httpx.Client) -> None:
    listed = put_fault(client, service="users", mode="status", status=502, times=2)
    assert listed["faults"][0]["times"] == 2
    assert [call(client, "users").status_code for _ in range(4)] == [502, 502, 200, 200]
    assert client.get("/__demo/faults").json() == {"faults": []}, "retired after 2"
    put_fault(client, service="catalog", mode="reset", times=1)
    with pytest.raises(httpx.TransportError):
        call(client, "catalog")
    assert call(client, "catalog").status_code == 200


def test_faulted_calls_are_counted(client: httpx.Client) -> None:
    put_fault(client, service="catalog", mode="status", status=503)
    for _ in range(3):
        call(client, "catalog")
    put_fault(client, service="catalog", mode="reset")
    with pytest.raises(httpx.TransportError):
        call(client, "catalog")
    assert client.get("/__demo/stats").json()["calls"]["catalog /products"] == 4


def test_faults_apply_before_auth(anonymous: httpx.Client, client: httpx.Client) -> None:
    put_fault(client, service="users", mode="status", status=503)
    assert anonymous.get("/users/users", params={"ids": "u0001"}).status_code == 503


@pytest.mark.parametrize(
    "spec",
    [
        {"service": "nope", "mode": "status"},
        {"service": "users", "mode": "explode"},
        {"service": "users", "mode": "status", "status": 200},
        {"service": "users", "mode": "status", "status": "503"},
        {"service": "users", "mode": "status", "rate": 1.5},
        {"service": "users", "mode": "hang", "hang_s": -1},
        {"service": "users", "mode": "status", "path": ""},
        {"service": "users", "mode": "status", "retryAfter": -3},
        {"service": "users", "mode": "status", "times": 0},
        {"service": "users", "mode": "status", "times": True},
        ["not", "objects"],
    ],
)
def test_invalid_fault_specs(client: httpx.Client, spec: Any) -> None:
    response = client.put("/__demo/faults", json=spec)
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
    assert client.get("/__demo/faults").json() == {"faults": []}


def test_several_faults_in_one_put_and_listing(client: httpx.Client) -> None:
    listed = put_fault_list(client, [
        {"service": "users", "mode": "status", "status": 503, "retryAfter": 5},
        {"service": "reviews", "path": "summaries", "mode": "hang", "hang_s": 2, "rate": 0.25},
    ])
    assert {(f["service"], f["path"], f["mode"]) for f in listed} == {
        ("users", None, "status"), ("reviews", "/summaries", "hang"),
    }
    reviews = next(f for f in listed if f["service"] == "reviews")
    assert reviews["rate"] == 0.25 and reviews["hang_s"] == 2
    users = next(f for f in listed if f["service"] == "users")
    assert users["retryAfter"] == 5 and users["status"] == 503


def put_fault_list(client: httpx.Client, specs: list[dict[str, Any]]) -> Any:
    response = client.put("/__demo/faults", json=specs)
    assert response.status_code == 200, response.text
    return response.json()["faults"]
