"""Batch endpoints: the 100-id limit, unknown ids, shuffled order, same data everywhere."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from demo.server import DemoServer

# (path, list key, id field, extra params)
BATCHES: list[tuple[str, str, str, dict[str, str]]] = [
    ("/users/users", "users", "id", {}),
    ("/catalog/products", "products", "id", {}),
    ("/pricing/prices", "prices", "productId", {"currency": "USD"}),
    ("/inventory/stock", "stock", "productId", {}),
    ("/reviews/summaries", "summaries", "productId", {}),
    ("/shipping/estimates", "estimates", "productId", {"postcode": "75001"}),
]


def ids_for(path: str, numbers: range) -> list[str]:
    prefix = "u" if path.startswith("/users") else "p"
    return [f"{prefix}{n:04d}" for n in numbers]


def get_batch(
    client: httpx.Client, path: str, ids: list[str], extra: dict[str, str]
) -> httpx.Response:
    return client.get(path, params={"ids": ",".join(ids), **extra})


@pytest.mark.parametrize(("path", "key", "id_field", "extra"), BATCHES)
def test_exactly_100_ids_are_accepted_101_are_not(
    client: httpx.Client, path: str, key: str, id_field: str, extra: dict[str, str]
) -> None:
    ids = ids_for(path, range(1, 101))
    response = get_batch(client, path, ids, extra)
    assert response.status_code == 200, response.text
    returned = [item[id_field] for item in response.json()[key]]
    assert len(returned) == len(set(returned))
    assert set(returned) <= set(ids)
    if key != "prices":  # every one of those 100 has an entry (p0004 has no price)
        assert set(returned) == set(ids)

    too_many = get_batch(client, path, ids_for(path, range(1, 102)), extra)
    assert too_many.status_code == 400
    assert too_many.json()["error"] == "too_many_ids"
    assert too_many.json()["message"]


@pytest.mark.parametrize(("path", "key", "id_field", "extra"), BATCHES)
def test_missing_or_empty_ids_are_rejected(
    client: httpx.Client, path: str, key: str, id_field: str, extra: dict[str, str]
) -> None:
    for params in ({**extra}, {"ids": "", **extra}, {"ids": ",,", **extra}):
        response = client.get(path, params=params)
        assert response.status_code == 400
        assert response.json()["error"] == "missing_ids"


@pytest.mark.parametrize(("path", "key", "id_field", "extra"), BATCHES)
def test_unknown_ids_are_simply_absent(
    client: httpx.Client, path: str, key: str, id_field: str, extra: dict[str, str]
) -> None:
    known = ids_for(path, range(1, 3))
    unknown = ["p9999", "u9999", "p0000", "u0000", "garbage", "p1", "P0001"]
    response = get_batch(client, path, known + unknown + known, extra)
    assert response.status_code == 200
    assert sorted(item[id_field] for item in response.json()[key]) == known


def test_pricing_leaves_out_products_without_a_price(client: httpx.Client) -> None:
    response = client.get("/pricing/prices", params={"ids": "p0003,p0004"})
    assert [p["productId"] for p in response.json()["prices"]] == ["p0003"]


@pytest.mark.parametrize(("path", "key", "id_field", "extra"), BATCHES)
def test_batch_order_is_shuffled(
    client: httpx.Client, path: str, key: str, id_field: str, extra: dict[str, str]
) -> None:
    ids = ids_for(path, range(11, 61))
    orders = set()
    for _ in range(6):
        body = get_batch(client, path, ids, extra).json()
        orders.add(tuple(item[id_field] for item in body[key]))
    assert len(orders) >= 2
    assert all(sorted(order) == sorted(next(iter(orders))) for order in orders)


def _normalised(client: httpx.Client) -> dict[str, Any]:
    """Everything the services answer for a sample, order-independent."""
    out: dict[str, Any] = {}
    ids = ",".join(f"p{n:04d}" for n in range(1, 101))
    for path, key, id_field, extra in BATCHES:
        batch_ids = ids.replace("p", "u") if path.startswith("/users") else ids
        body = client.get(path, params={"ids": batch_ids, **extra}).json()
        out[path] = sorted(body[key], key=lambda item: str(item[id_field]))
    pages = []
    cursor = None
    while True:
        params = {"q": "lamp", "limit": "50", **({"cursor": cursor} if cursor else {})}
        page = client.get("/catalog/search", params=params).json()
        pages.append(page)
        cursor = page["nextCursor"]
        if cursor is None:
            break
    out["search"] = pages
    for path, params in [
        ("/reviews/reviews", {"productId": "p0001", "limit": "20"}),
        ("/recommendations/recommendations", {"limit": "24"}),
        ("/recommendations/recommendations", {"userId": "u0042", "limit": "24"}),
        ("/recommendations/related", {"productId": "p0042", "limit": "12"}),
        ("/orders/orders", {"userId": "u0003", "limit": "20"}),
        ("/promotions/promotions", {"segment": "outdoor"}),
        ("/cart/carts/u0007", {}),
    ]:
        out[f"{path} {params}"] = client.get(path, params=params).json()
    return out


def test_same_answers_twice_and_from_a_second_app_instance(
    client: httpx.Client, demo_server: DemoServer
) -> None:
    first = _normalised(client)
    assert first == _normalised(client)
    with DemoServer() as other:
        assert other.base_url != demo_server.base_url
        with httpx.Client(base_url=other.base_url, headers=dict(client.headers)) as other_client:
            assert _normalised(other_client) == first
