"""The cart service: totals, the three 422 codes, and Idempotency-Key replay."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import httpx
import pytest


def cart_of(client: httpx.Client, user: str) -> Any:
    response = client.get(f"/cart/carts/{user}")
    assert response.status_code == 200, response.text
    return response.json()


def add(
    client: httpx.Client, user: str, body: Any, key: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.post(f"/cart/carts/{user}/items", json=body, headers=headers)


def remove(client: httpx.Client, user: str, product: str, key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return client.delete(f"/cart/carts/{user}/items/{product}", headers=headers)


def lines(cart: Any) -> dict[str, int]:
    return {item["productId"]: item["quantity"] for item in cart["items"]}


def test_totals_are_computed_from_pricing(client: httpx.Client) -> None:
    for user in ("u0001", "u0003", "u0004"):
        cart = cart_of(client, user)
        ids = ",".join(lines(cart))
        prices = client.get("/pricing/prices", params={"ids": ids}).json()["prices"]
        unit = {p["productId"]: p["price"]["amount"] for p in prices}
        for item in cart["items"]:
            assert item["unitPrice"]["amount"] == unit[item["productId"]]
            assert item["lineTotal"]["amount"] == unit[item["productId"]] * item["quantity"]
        assert cart["subtotal"]["amount"] == sum(i["lineTotal"]["amount"] for i in cart["items"])
        assert cart["itemCount"] == sum(i["quantity"] for i in cart["items"])
    assert lines(cart_of(client, "u0001")) == {"p0001": 1, "p0003": 2, "p0010": 1}


def test_unknown_user_has_an_empty_cart_that_works(client: httpx.Client) -> None:
    cart = cart_of(client, "someone-new")
    assert cart["items"] == [] and cart["updatedAt"] is None and cart["itemCount"] == 0
    assert add(client, "someone-new", {"productId": "p0001", "quantity": 2}).status_code == 200
    assert lines(cart_of(client, "someone-new")) == {"p0001": 2}


def test_add_new_line_and_increase_existing(client: httpx.Client) -> None:
    response = add(client, "u0002", {"productId": "p0001", "quantity": 2})
    assert response.status_code == 200
    cart = response.json()
    assert lines(cart) == {"p0001": 2} and cart["itemCount"] == 2
    assert cart["updatedAt"] is not None
    assert cart == cart_of(client, "u0002")
    add(client, "u0002", {"productId": "p0001", "quantity": 3})
    add(client, "u0002", {"productId": "p0003", "quantity": 1})
    assert lines(cart_of(client, "u0002")) == {"p0001": 5, "p0003": 1}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"productId": "p0001", "quantity": 0}, 422, "invalid_quantity"),
        ({"productId": "p0001", "quantity": 100}, 422, "invalid_quantity"),
        ({"productId": "p0001", "quantity": -1}, 422, "invalid_quantity"),
        ({"productId": "p0001", "quantity": "2"}, 422, "invalid_quantity"),
        ({"productId": "p0001", "quantity": 1.5}, 422, "invalid_quantity"),
        ({"productId": "p0001", "quantity": True}, 422, "invalid_quantity"),
        ({"productId": "p0001"}, 422, "invalid_quantity"),
        ({"productId": "p9999", "quantity": 1}, 422, "product_not_found"),
        ({"productId": "nope", "quantity": 1}, 422, "product_not_found"),
        ({"quantity": 1}, 422, "product_not_found"),
        ({"productId": "p0004", "quantity": 1}, 422, "product_not_found"),  # no price
        ({"productId": "p0002", "quantity": 1}, 422, "out_of_stock"),
        ({"productId": "p0009", "quantity": 1}, 422, "out_of_stock"),
        (["p0001", 1], 400, "invalid_body"),
    ],
)
def test_rejected_adds(client: httpx.Client, body: Any, status: int, code: str) -> None:
    before = cart_of(client, "u0001")
    response = add(client, "u0001", body)
    assert response.status_code == status
    assert response.json()["error"] == code and response.json()["message"]
    assert cart_of(client, "u0001") == before


def test_boundaries_1_and_99_are_accepted_but_a_line_holds_at_most_99(
    client: httpx.Client,
) -> None:
    assert add(client, "u0002", {"productId": "p0001", "quantity": 99}).status_code == 200
    over = add(client, "u0002", {"productId": "p0001", "quantity": 1})
    assert over.status_code == 422 and over.json()["error"] == "invalid_quantity"
    assert add(client, "u0002", {"productId": "p0003", "quantity": 1}).status_code == 200
    assert lines(cart_of(client, "u0002")) == {"p0001": 99, "p0003": 1}


def test_missing_idempotency_key_or_bad_json(client: httpx.Client) -> None:
    response = client.post("/cart/carts/u0001/items", json={"productId": "p0001", "quantity": 1})
    assert response.status_code == 400
    assert response.json()["error"] == "missing_idempotency_key"
    response = client.delete("/cart/carts/u0001/items/p0001")
    assert response.status_code == 400
    assert response.json()["error"] == "missing_idempotency_key"
    response = client.post(
        "/cart/carts/u0001/items", content=b"{not json", headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_body"
    assert lines(cart_of(client, "u0001")) == {"p0001": 1, "p0003": 2, "p0010": 1}


def test_replay_returns_the_same_answer_and_adds_once(client: httpx.Client) -> None:
    body = {"productId": "p0001", "quantity": 2}
    first = add(client, "u0001", body, key="add-once")
    assert first.status_code == 200 and lines(first.json())["p0001"] == 3
    for _ in range(3):
        replay = add(client, "u0001", body, key="add-once")
        assert replay.status_code == 200
        assert replay.content == first.content
    assert lines(cart_of(client, "u0001"))["p0001"] == 3


def test_replay_of_a_rejected_add_is_rejected_again(client: httpx.Client) -> None:
    body = {"productId": "p0002", "quantity": 1}
    first = add(client, "u0001", body, key="oos")
    again = add(client, "u0001", body, key="oos")
    assert first.status_code == again.status_code == 422
    assert first.content == again.content


def test_key_reused_with_another_body_is_409(client: httpx.Client) -> None:
    assert add(client, "u0001", {"productId": "p0001", "quantity": 1}, key="k1").status_code == 200
    for body in ({"productId": "p0001", "quantity": 2}, {"productId": "p0003", "quantity": 1}):
        response = add(client, "u0001", body, key="k1")
        assert response.status_code == 409
        assert response.json()["error"] == "idempotency_key_reused"
    response = remove(client, "u0001", "p0001", key="k1")
    assert response.status_code == 409
    assert lines(cart_of(client, "u0001"))["p0001"] == 2


def test_keys_are_scoped_per_user(client: httpx.Client) -> None:
    body = {"productId": "p0001", "quantity": 1}
    other_body = {"productId": "p0003", "quantity": 1}
    assert add(client, "u0002", body, key="shared").status_code == 200
    assert add(client, "u0005", other_body, key="shared").status_code == 200


def test_concurrent_replays_add_once(client: httpx.Client) -> None:
    body = {"productId": "p0003", "quantity": 2}
    results: list[httpx.Response] = []

    def worker() -> None:
        with httpx.Client(base_url=str(client.base_url), headers=dict(client.headers)) as own:
            results.append(add(own, "u0002", body, key="race"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and {r.status_code for r in results} == {200}
    assert len({r.content for r in results}) == 1
    assert lines(cart_of(client, "u0002")) == {"p0003": 2}


def test_remove_is_idempotent(client: httpx.Client) -> None:
    response = remove(client, "u0001", "p0003", key="rm")
    assert response.status_code == 200
    assert lines(response.json()) == {"p0001": 1, "p0010": 1}
    assert remove(client, "u0001", "p0003", key="rm").content == response.content
    absent = remove(client, "u0001", "p0003")
    assert absent.status_code == 200 and lines(absent.json()) == {"p0001": 1, "p0010": 1}
    assert remove(client, "u0001", "p4321").status_code == 200
    cart = cart_of(client, "u0001")
    assert cart["itemCount"] == 2


def test_reset_restores_carts_and_forgets_keys(client: httpx.Client) -> None:
    body = {"productId": "p0001", "quantity": 1}
    add(client, "u0001", body, key="before-reset")
    remove(client, "u0001", "p0010")
    client.post("/__demo/reset").raise_for_status()
    assert lines(cart_of(client, "u0001")) == {"p0001": 1, "p0003": 2, "p0010": 1}
    assert lines(add(client, "u0001", body, key="before-reset").json())["p0001"] == 2
