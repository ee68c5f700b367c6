"""Every endpoint answers in the shape UPSTREAMS.md documents, upstream-only fields included."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from demo.core import SERVICES

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

# One valid call per route: (service, path, params).
ROUTES: list[tuple[str, str, dict[str, str]]] = [
    ("users", "/users", {"ids": "u0001"}),
    ("catalog", "/products", {"ids": "p0001"}),
    ("catalog", "/search", {"q": "shoe"}),
    ("pricing", "/prices", {"ids": "p0001", "currency": "USD"}),
    ("inventory", "/stock", {"ids": "p0001"}),
    ("reviews", "/summaries", {"ids": "p0001"}),
    ("reviews", "/reviews", {"productId": "p0001"}),
    ("recommendations", "/recommendations", {}),
    ("recommendations", "/related", {"productId": "p0001"}),
    ("cart", "/carts/u0001", {}),
    ("orders", "/orders", {"userId": "u0001"}),
    ("promotions", "/promotions", {}),
    ("shipping", "/estimates", {"ids": "p0001", "postcode": "10115"}),
]


def get_json(client: httpx.Client, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def assert_money(value: Any) -> None:
    assert set(value) == {"amount", "currency"}
    assert isinstance(value["amount"], int) and value["currency"] == "USD"


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message"}
    assert body["error"] == code and body["message"]


def test_users(client: httpx.Client) -> None:
    body = get_json(client, "/users/users", ids="u0001,u0002")
    assert set(body) == {"users"}
    assert len(body["users"]) == 2
    for user in body["users"]:
        assert set(user) == {
            "id", "displayName", "avatarUrl", "loyaltyTier", "segment", "email", "fraudScore",
        }
        assert user["loyaltyTier"] in {"NONE", "SILVER", "GOLD", "PLATINUM"}
        assert isinstance(user["fraudScore"], float) and "@" in user["email"]
    by_id = {u["id"]: u for u in body["users"]}
    assert by_id["u0001"]["avatarUrl"] and by_id["u0002"]["avatarUrl"] is None


def test_products(client: httpx.Client) -> None:
    body = get_json(client, "/catalog/products", ids="p0001,p0005")
    assert set(body) == {"products"}
    by_id = {p["id"]: p for p in body["products"]}
    for product in by_id.values():
        assert set(product) == {
            "id", "sku", "title", "description", "brand", "images", "categoryId",
            "internalCost", "supplierId",
        }
        assert_money(product["internalCost"])
        for image in product["images"]:
            assert set(image) == {"url", "alt"} and image["url"].startswith("https://")
    assert by_id["p0005"]["images"] == [] and by_id["p0005"]["description"] is None
    assert by_id["p0001"]["title"] == "Stride Classic Running Shoe - Navy"


def test_search(client: httpx.Client) -> None:
    body = get_json(client, "/catalog/search", q="shoe", limit="5")
    assert set(body) == {"ids", "nextCursor", "total"}
    assert len(body["ids"]) == 5 and body["total"] > 100
    assert isinstance(body["nextCursor"], str)
    empty = get_json(client, "/catalog/search", q="xylophone")
    assert empty == {"ids": [], "nextCursor": None, "total": 0}


def test_prices(client: httpx.Client) -> None:
    body = get_json(client, "/pricing/prices", ids="p0001,p0004,p0011", currency="USD")
    assert set(body) == {"prices"}
    by_id = {p["productId"]: p for p in body["prices"]}
    assert set(by_id) == {"p0001", "p0011"}  # p0004 has no price entry at all
    for price in by_id.values():
        assert set(price) == {"productId", "price", "compareAt", "marginBps"}
        assert_money(price["price"])
    assert_money(by_id["p0001"]["compareAt"])
    assert by_id["p0011"]["compareAt"] is None
    assert get_json(client, "/pricing/prices", ids="p0001")["prices"]  # currency optional
    assert_error(
        client.get("/pricing/prices", params={"ids": "p0001", "currency": "EUR"}),
        400, "unsupported_currency",
    )


def test_stock(client: httpx.Client) -> None:
    body = get_json(client, "/inventory/stock", ids="p0001,p0002,p0003")
    by_id = {s["productId"]: s for s in body["stock"]}
    for stock in by_id.values():
        assert set(stock) == {"productId", "available", "restockDate", "warehouseId"}
    assert by_id["p0002"]["available"] == 0 and ISO_UTC.match(by_id["p0002"]["restockDate"])
    assert 1 <= by_id["p0003"]["available"] <= 4
    assert by_id["p0001"]["available"] >= 5 and by_id["p0001"]["restockDate"] is None


def test_summaries_and_reviews(client: httpx.Client) -> None:
    body = get_json(client, "/reviews/summaries", ids="p0001,p0006")
    by_id = {s["productId"]: s for s in body["summaries"]}
    for summary in by_id.values():
        assert set(summary) == {"productId", "average", "count", "moderationBacklog"}
        assert isinstance(summary["average"], float)
    assert by_id["p0006"]["count"] == 0
    page = get_json(client, "/reviews/reviews", productId="p0001", limit="5")
    assert set(page) == {"reviews", "nextCursor"}
    assert len(page["reviews"]) == 5
    for review in page["reviews"]:
        assert set(review) == {
            "id", "productId", "authorId", "rating", "title", "body", "createdAt",
            "authorEmail", "moderationScore",
        }
        assert review["productId"] == "p0001" and ISO_UTC.match(review["createdAt"])
    none = get_json(client, "/reviews/reviews", productId="p0006")
    assert none == {"reviews": [], "nextCursor": None}
    unknown = get_json(client, "/reviews/reviews", productId="p9999")
    assert unknown == {"reviews": [], "nextCursor": None}


def test_recommendations_and_related(client: httpx.Client) -> None:
    anonymous = get_json(client, "/recommendations/recommendations", limit="24")
    assert set(anonymous) == {"productIds", "modelVersion"}
    assert len(anonymous["productIds"]) == 24
    assert len(get_json(client, "/recommendations/recommendations")["productIds"]) == 6
    personal = get_json(client, "/recommendations/recommendations", userId="u0001", limit="24")
    assert personal["productIds"] != anonymous["productIds"]
    related = get_json(client, "/recommendations/related", productId="p0001", limit="12")
    assert set(related) == {"productIds", "modelVersion"} and len(related["productIds"]) == 12
    assert "p0001" not in related["productIds"]
    unknown = get_json(client, "/recommendations/related", productId="p9999")
    assert unknown["productIds"] == []


def test_cart(client: httpx.Client) -> None:
    cart = get_json(client, "/cart/carts/u0001")
    assert set(cart) == {
        "userId", "items", "itemCount", "subtotal", "updatedAt", "internalNote", "fraudScore",
    }
    assert cart["userId"] == "u0001" and len(cart["items"]) == 3
    for item in cart["items"]:
        assert set(item) == {"productId", "quantity", "unitPrice", "lineTotal"}
        assert_money(item["unitPrice"])
        assert_money(item["lineTotal"])
    assert_money(cart["subtotal"])
    assert ISO_UTC.match(cart["updatedAt"])
    empty = get_json(client, "/cart/carts/u0002")
    assert empty["items"] == [] and empty["itemCount"] == 0 and empty["updatedAt"] is None
    assert empty["subtotal"] == {"amount": 0, "currency": "USD"}


def test_orders(client: httpx.Client) -> None:
    body = get_json(client, "/orders/orders", userId="u0001", limit="20")
    assert set(body) == {"orders"}
    orders = body["orders"]
    assert len(orders) == 12
    for order in orders:
        assert set(order) == {
            "id", "status", "placedAt", "itemCount", "total", "estimatedDelivery", "paymentToken",
        }
        assert_money(order["total"])
        assert ISO_UTC.match(order["placedAt"])
    assert [o["placedAt"] for o in orders] == sorted((o["placedAt"] for o in orders), reverse=True)
    assert {o["status"] for o in orders} == {
        "PLACED", "PACKED", "SHIPPED", "OUT_FOR_DELIVERY", "DELIVERED", "CANCELLED",
    }
    assert len(get_json(client, "/orders/orders", userId="u0001")["orders"]) == 10
    assert len(get_json(client, "/orders/orders", userId="u0001", limit="3")["orders"]) == 3
    assert get_json(client, "/orders/orders", userId="u0002") == {"orders": []}


def test_promotions(client: httpx.Client) -> None:
    everyone = get_json(client, "/promotions/promotions")["promotions"]
    vip = get_json(client, "/promotions/promotions", segment="vip")["promotions"]
    for promo in vip:
        assert set(promo) == {
            "id", "title", "imageUrl", "deeplink", "startsAt", "endsAt", "targetSegment",
            "budgetRemaining",
        }
        assert ISO_UTC.match(promo["startsAt"]) and ISO_UTC.match(promo["endsAt"])
        assert promo["startsAt"] < promo["endsAt"]
    assert {p["id"] for p in everyone} < {p["id"] for p in vip}
    assert all(p["targetSegment"] is None for p in everyone)


def test_estimates(client: httpx.Client) -> None:
    body = get_json(client, "/shipping/estimates", ids="p0001,p0002", postcode="SW1A 1AA")
    assert set(body) == {"estimates"}
    for estimate in body["estimates"]:
        assert set(estimate) == {"productId", "minDays", "maxDays", "carrierCost"}
        assert 1 <= estimate["minDays"] < estimate["maxDays"]
    again = get_json(client, "/shipping/estimates", ids="p0001,p0002", postcode="SW1A 1AA")
    assert sorted(again["estimates"], key=lambda e: e["productId"]) == sorted(
        body["estimates"], key=lambda e: e["productId"]
    )
    assert_error(client.get("/shipping/estimates", params={"ids": "p0001"}), 400,
                 "missing_postcode")


@pytest.mark.parametrize(("service", "path", "params"), ROUTES)
@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Basic dXNlcjpwYXNz", "token"])
def test_every_route_requires_a_bearer_token(
    client: httpx.Client, anonymous: httpx.Client, service: str, path: str,
    params: dict[str, str], authorization: str | None,
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = anonymous.get(f"/{service}{path}", params=params, headers=headers)
    assert_error(response, 401, "unauthorized")
    assert client.get(f"/{service}{path}", params=params).status_code == 200


def test_routes_cover_every_service() -> None:
    assert {service for service, _, _ in ROUTES} == set(SERVICES)


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/catalog/search", {}, "missing_q"),
        ("/catalog/search", {"q": "shoe", "limit": "0"}, "invalid_limit"),
        ("/catalog/search", {"q": "shoe", "limit": "51"}, "invalid_limit"),
        ("/catalog/search", {"q": "shoe", "limit": "ten"}, "invalid_limit"),
        ("/reviews/reviews", {}, "missing_productid"),
        ("/reviews/reviews", {"productId": "p0001", "limit": "21"}, "invalid_limit"),
        ("/recommendations/recommendations", {"limit": "25"}, "invalid_limit"),
        ("/recommendations/related", {"productId": "p0001", "limit": "13"}, "invalid_limit"),
        ("/recommendations/related", {}, "missing_productid"),
        ("/orders/orders", {"userId": "u0001", "limit": "21"}, "invalid_limit"),
        ("/orders/orders", {}, "missing_userid"),
    ],
)
def test_parameter_errors(
    client: httpx.Client, path: str, params: dict[str, str], code: str
) -> None:
    assert_error(client.get(path, params=params), 400, code)


def test_limits_at_the_boundaries_are_accepted(client: httpx.Client) -> None:
    assert len(get_json(client, "/catalog/search", q="shoe", limit="50")["ids"]) == 50
    assert len(get_json(client, "/catalog/search", q="shoe", limit="1")["ids"]) == 1
    assert len(get_json(client, "/reviews/reviews", productId="p0001", limit="20")["reviews"]) == 20
    assert len(get_json(client, "/recommendations/related", productId="p0001", limit="1")[
        "productIds"]) == 1


def test_unknown_paths_and_methods_answer_json_errors(client: httpx.Client) -> None:
    assert_error(client.get("/catalog/nothing"), 404, "not_found")
    assert_error(client.get("/nowhere"), 404, "not_found")
    assert_error(client.post("/catalog/products"), 405, "method_not_allowed")
