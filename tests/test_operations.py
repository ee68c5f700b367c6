"""Every contract operation against real demo upstreams: the data they hold, mapped correctly,
with the upstream calls the design promises (no N+1)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from tests.conftest import auth, operation
from tests.servers import Client, Demo
from tests.upstream_truth import Truth, money, on_sale, stock_status

UPSTREAM_ONLY = ("fraudScore", "email", "internalCost", "supplierId", "marginBps", "sku",
                 "categoryId", "targetSegment")


def search(client: Client, query: str, first: int = 20, after: str | None = None) -> Any:
    """One page; products the pricing service cannot price are null nodes with an error."""
    variables: dict[str, Any] = {"query": query, "first": first}
    if after is not None:
        variables["after"] = after
    response = client.post(operation("SearchResults"), variables)
    assert response.status_code == 200
    body = response.json()
    for error in body.get("errors", []):
        assert error["extensions"]["component"] == "pricing", error
        assert error["path"][:2] == ["search", "edges"]
        assert body["data"]["search"]["edges"][error["path"][2]]["node"] is None
    return body["data"]["search"]


def node_ids(page: Any, truth: Truth) -> list[str | None]:
    return [edge["node"]["id"] if edge["node"] else None for edge in page["edges"]]


def expected_nodes(ids: list[str], truth: Truth) -> list[str | None]:
    """What a page shows for these ids: null where there is no price to sell at."""
    priced = set(truth.prices(ids)) if ids else set()
    return [pid if pid in priced else None for pid in ids]


def test_search_results_map_the_upstream_data(client: Client, truth: Truth) -> None:
    result = search(client, "lamp", 20)
    expected_ids = truth.search_all("lamp")
    assert node_ids(result, truth) == expected_nodes(expected_ids[:20], truth)
    assert result["totalCount"] == len(expected_ids)
    ids = [pid for pid in node_ids(result, truth) if pid]
    products, prices = truth.products(ids), truth.prices(ids)
    stock, summaries = truth.stock(ids), truth.summaries(ids)
    for edge in result["edges"]:
        node = edge["node"]
        if node is None:
            continue
        pid = node["id"]
        assert node["title"] == products[pid]["title"]
        assert node["brand"] == products[pid]["brand"]
        images = products[pid]["images"]
        assert node["thumbnailUrl"] == (images[0]["url"] if images else None)
        assert node["price"] == money(prices[pid]["price"])
        assert node["compareAtPrice"] == money(prices[pid]["compareAt"])
        assert node["onSale"] is on_sale(prices[pid])
        assert node["availability"] == {"status": stock_status(stock[pid]["available"])}
        summary = summaries.get(pid)
        assert node["rating"] == (
            {"average": round(summary["average"], 1), "count": summary["count"]}
            if summary else None
        )


def test_search_results_make_one_call_per_service(client: Client, demo: Demo) -> None:
    search(client, "lamp", 20)
    assert demo.calls() == {
        "catalog /search": 1,
        "catalog /products": 1,
        "pricing /prices": 1,
        "inventory /stock": 1,
        "reviews /summaries": 1,
    }


def test_search_pagination_walks_every_result_once(client: Client, truth: Truth) -> None:
    expected = truth.search_all("shoe")
    assert len(expected) > 60, "the demo data should give several pages"
    seen: list[str | None] = []
    after = None
    for _ in range(50):
        page = search(client, "shoe", 25, after)
        edges = page["edges"]
        seen.extend(node_ids(page, truth))
        assert page["pageInfo"]["endCursor"] == (edges[-1]["cursor"] if edges else None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected_nodes(expected, truth)
    cursors = {e["cursor"] for e in page["edges"]}
    assert len(cursors) == len(page["edges"])


def test_any_edge_cursor_continues_right_after_its_edge(client: Client, truth: Truth) -> None:
    expected = truth.search_all("shoe")
    page = search(client, "shoe", 10)
    middle = page["edges"][3]
    following = search(client, "shoe", 10, middle["cursor"])
    assert node_ids(following, truth) == expected_nodes(expected[4:14], truth)


def test_next_page_costs_one_search_call(client: Client, demo: Demo) -> None:
    first = search(client, "shoe", 20)
    demo.reset()
    search(client, "shoe", 20, first["pageInfo"]["endCursor"])
    assert demo.calls()["catalog /search"] == 1


def test_last_page_and_empty_search(client: Client, truth: Truth) -> None:
    expected = truth.search_all("lamp")
    page = search(client, "lamp", 50)
    while page["pageInfo"]["hasNextPage"]:
        page = search(client, "lamp", 50, page["pageInfo"]["endCursor"])
    assert node_ids(page, truth)[-1] == expected_nodes(expected[-1:], truth)[0]
    empty = search(client, "zzzznotaword", 20)
    assert empty == {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None},
                     "edges": []}


def test_invalid_cursor_is_bad_user_input(client: Client) -> None:
    response = client.post(operation("SearchResults"), {"query": "lamp", "after": "bogus!"})
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def product_page(client: Client, pid: str, postcode: str = "10115", **kw: Any) -> Any:
    return client.data(operation("ProductPage"), {"id": pid, "postcode": postcode}, **kw)


@pytest.mark.parametrize("pid", ["p0001", "p0002", "p0003", "p0005", "p0007", "p0008", "p0042"])
def test_product_page_maps_the_upstream_data(client: Client, truth: Truth, pid: str) -> None:
    product = product_page(client, pid)["product"]
    raw = truth.products([pid])[pid]
    price = truth.prices([pid])[pid]
    stock = truth.stock([pid])[pid]
    assert product["id"] == pid
    assert product["title"] == raw["title"]
    assert product["description"] == raw["description"]
    assert product["brand"] == raw["brand"]
    assert product["images"] == [{"url": i["url"], "alt": i["alt"]} for i in raw["images"][:5]]
    assert product["price"] == money(price["price"])
    assert product["compareAtPrice"] == money(price["compareAt"])
    assert product["onSale"] is on_sale(price)
    assert product["availability"] == {
        "status": stock_status(stock["available"]), "restockDate": stock["restockDate"]
    }
    reviews = truth.reviews(pid, 6)
    edges = product["reviews"]["edges"]
    assert [e["node"]["id"] for e in edges] == [r["id"] for r in reviews[:5]]
    authors = truth.users([r["authorId"] for r in reviews[:5]]) if reviews else {}
    for edge, review in zip(edges, reviews, strict=False):
        node = edge["node"]
        assert node["rating"] == review["rating"]
        assert node["title"] == review["title"]
        assert node["body"] == review["body"]
        assert node["createdAt"] == review["createdAt"]
        author = authors[review["authorId"]]
        assert node["author"] == {"displayName": author["displayName"],
                                  "avatarUrl": author["avatarUrl"]}
    assert product["reviews"]["pageInfo"]["hasNextPage"] is (len(reviews) > 5)
    estimate = truth.estimate(pid, "10115")
    assert product["deliveryEstimate"] == (
        {"minDays": estimate["minDays"], "maxDays": estimate["maxDays"]} if estimate else None
    )
    related = truth.related(pid, 4)
    assert [p["id"] for p in product["related"]] == [
        r for r in related if r in truth.products(related)
    ]


def test_product_states_on_sale_out_of_stock_limited(client: Client) -> None:
    by_id = {pid: product_page(client, pid)["product"] for pid in ("p0001", "p0002", "p0003",
                                                                   "p0007", "p0008")}
    assert by_id["p0001"]["onSale"] is True
    assert by_id["p0003"]["onSale"] is True
    assert by_id["p0007"]["onSale"] is False  # compareAt equal to price
    assert by_id["p0008"]["onSale"] is False  # compareAt below price
    assert by_id["p0002"]["availability"]["status"] == "OUT_OF_STOCK"
    assert by_id["p0002"]["availability"]["restockDate"] is not None
    assert by_id["p0003"]["availability"]["status"] == "LIMITED"
    assert by_id["p0001"]["availability"]["status"] == "IN_STOCK"


def test_product_page_fetches_review_authors_in_one_call(client: Client, demo: Demo) -> None:
    product = product_page(client, "p0001")["product"]
    assert len(product["reviews"]["edges"]) == 5
    calls = demo.calls()
    assert calls["users /users"] == 1
    (users_call,) = [c for c in demo.stats()["log"] if c["service"] == "users"]
    assert 1 <= len(users_call["ids"]) <= 5
    # the main product and its related products: two catalog calls, nothing per product
    assert calls["catalog /products"] == 2
    assert calls["reviews /reviews"] == 1
    assert calls["recommendations /related"] == 1
    assert calls["shipping /estimates"] == 1


def test_unknown_product_is_null_without_error(client: Client) -> None:
    assert product_page(client, "p999999")["product"] is None


def test_product_without_price_is_null_with_pricing_error(client: Client) -> None:
    response = client.post(operation("ProductPage"), {"id": "p0004", "postcode": "10115"})
    body = response.json()
    assert body["data"] == {"product": None}
    assert body["errors"][0]["extensions"]["component"] == "pricing"


def test_products_keeps_order_and_nulls_unknown_ids(client: Client) -> None:
    data = client.data('{ products(ids: ["p0003", "nope", "p0001"]) { id title } }')
    assert [p and p["id"] for p in data["products"]] == ["p0003", None, "p0001"]


def test_home_screen_anonymous(client: Client, truth: Truth) -> None:
    home = client.data(operation("HomeScreen"))["home"]
    assert home["viewer"] is None
    assert home["cartSummary"] is None
    assert [p["id"] for p in home["recommendations"]] == truth.recommended(None, 6)[:6]
    assert [p["id"] for p in home["promotions"]] == [p["id"] for p in truth.promotions(None)]


def test_home_screen_signed_in(client: Client, truth: Truth, demo: Demo) -> None:
    user_id = "u0001"
    home = client.data(operation("HomeScreen"), {"recoCount": 4}, headers=auth(user_id))["home"]
    calls = demo.calls()  # before the test reads the truth from the same services
    assert calls["users /users"] == 1, "viewer and the promotions segment share one users call"
    assert calls["cart /carts/{userId}"] == 1, "viewer cart and cartSummary share one call"
    user = truth.users([user_id])[user_id]
    viewer = home["viewer"]
    assert viewer["id"] == user_id
    assert viewer["displayName"] == user["displayName"]
    assert viewer["avatarUrl"] == user["avatarUrl"]
    assert viewer["loyaltyTier"] == user["loyaltyTier"]
    orders = truth.orders(user_id, 3)
    assert [o["id"] for o in viewer["recentOrders"]] == [o["id"] for o in orders]
    assert [o["status"] for o in viewer["recentOrders"]] == [o["status"] for o in orders]
    cart = truth.cart(user_id)
    assert home["cartSummary"] == {"itemCount": cart["itemCount"],
                                   "subtotal": money(cart["subtotal"])}
    assert [p["id"] for p in home["recommendations"]] == truth.recommended(user_id, 4)[:4]
    promotions = truth.promotions(user["segment"])
    assert [p["id"] for p in home["promotions"]] == [p["id"] for p in promotions]
    assert len(home["promotions"]) > len(truth.promotions(None)), "segment promotions shown"


def test_promotions_fall_back_to_untargeted_when_users_fails(
    client: Client, demo: Demo, truth: Truth
) -> None:
    demo.fault("users", "status", status=503)
    response = client.post(operation("HomeScreen"), headers=auth("u0001"))
    body = response.json()
    assert body["data"]["home"]["viewer"] is None
    assert [p["id"] for p in body["data"]["home"]["promotions"]] == [
        p["id"] for p in truth.promotions(None)
    ]


def test_cart_view(client: Client, truth: Truth) -> None:
    user_id = "u0001"
    viewer = client.data(operation("CartView"), headers=auth(user_id))["viewer"]
    cart = truth.cart(user_id)
    assert viewer["cart"]["itemCount"] == cart["itemCount"]
    assert viewer["cart"]["subtotal"] == money(cart["subtotal"])
    assert viewer["cart"]["updatedAt"] == cart["updatedAt"]
    assert [i["productId"] for i in viewer["cart"]["items"]] == [
        i["productId"] for i in cart["items"]
    ]
    for item, raw in zip(viewer["cart"]["items"], cart["items"], strict=True):
        assert item["quantity"] == raw["quantity"]
        assert item["unitPrice"] == money(raw["unitPrice"])
        assert item["lineTotal"] == money(raw["lineTotal"])
        assert item["product"]["id"] == raw["productId"]


def test_viewer_is_null_when_anonymous(client: Client) -> None:
    assert client.data(operation("CartView")) == {"viewer": None}


def test_no_upstream_only_field_reaches_any_response(client: Client, truth: Truth) -> None:
    user = truth.users(["u0001"])["u0001"]
    bodies = [
        client.post(operation("SearchResults"), {"query": "shoe", "first": 50}),
        client.post(operation("ProductPage"), {"id": "p0001", "postcode": "10115"}),
        client.post(operation("HomeScreen"), headers=auth("u0001")),
        client.post(operation("CartView"), headers=auth("u0001")),
        client.post(operation("AddToCart"), {"input": {"productId": "p0010", "quantity": 1,
                                                       "idempotencyKey": "leak-check"}},
                    headers=auth("u0001")),
        client.post(operation("RemoveFromCart"), {"input": {"productId": "p0010",
                                                            "idempotencyKey": "leak-check-2"}},
                    headers=auth("u0001")),
    ]
    for response in bodies:
        assert response.status_code == 200
        text = response.text
        for error in response.json().get("errors", []):  # unpriced products in the search
            assert error["extensions"]["component"] == "pricing", text
        for name in UPSTREAM_ONLY:
            assert f'"{name}"' not in text
        assert user["email"] not in text
        assert "127.0.0.1" not in text.split('"trace"')[0]


def test_mutation_adds_once_on_replay(client: Client, truth: Truth, demo: Demo) -> None:
    before = truth.cart("u0002")["itemCount"]
    variables = {"input": {"productId": "p0010", "quantity": 2, "idempotencyKey": "key-1"}}
    first = client.data(operation("AddToCart"), variables, headers=auth("u0002"))["addToCart"]
    replay = client.data(operation("AddToCart"), variables, headers=auth("u0002"))["addToCart"]
    assert first == replay
    assert first["userErrors"] == []
    assert first["cart"]["itemCount"] == before + 2
    assert truth.cart("u0002")["itemCount"] == before + 2
    sent = [c for c in demo.stats()["log"] if c["method"] == "POST"]
    assert [c["headers"].get("idempotency-key") for c in sent] == ["key-1", "key-1"]


def test_mutation_user_errors(client: Client) -> None:
    cases = {
        "p0002": ("OUT_OF_STOCK", ["input", "productId"]),
        "p999999": ("PRODUCT_NOT_FOUND", ["input", "productId"]),
    }
    for pid, (code, field) in cases.items():
        variables = {"input": {"productId": pid, "quantity": 1, "idempotencyKey": f"k-{pid}"}}
        payload = client.data(operation("AddToCart"), variables, headers=auth())["addToCart"]
        assert payload["cart"] is None
        assert payload["userErrors"][0]["code"] == code
        assert payload["userErrors"][0]["field"] == field
        assert payload["userErrors"][0]["message"]


def test_reused_idempotency_key_with_another_body(client: Client) -> None:
    first = {"input": {"productId": "p0010", "quantity": 1, "idempotencyKey": "k-reuse"}}
    other = {"input": {"productId": "p0011", "quantity": 1, "idempotencyKey": "k-reuse"}}
    client.data(operation("AddToCart"), first, headers=auth())
    payload = client.data(operation("AddToCart"), other, headers=auth())["addToCart"]
    assert payload["cart"] is None
    assert payload["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_quantity_out_of_range_is_refused_before_any_call(client: Client, demo: Demo) -> None:
    for quantity in (0, 100):
        variables = {"input": {"productId": "p0010", "quantity": quantity,
                               "idempotencyKey": "k-range"}}
        response = client.post(operation("AddToCart"), variables, headers=auth())
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert demo.calls() == {}


def test_remove_from_cart(client: Client, truth: Truth) -> None:
    cart = truth.cart("u0001")
    line = cart["items"][0]
    variables = {"input": {"productId": line["productId"], "idempotencyKey": "k-remove"}}
    payload = client.data(operation("RemoveFromCart"), variables, headers=auth())
    assert payload["removeFromCart"]["cart"]["itemCount"] == cart["itemCount"] - line["quantity"]


def test_mutations_need_a_user(client: Client, demo: Demo) -> None:
    variables = {"input": {"productId": "p0010", "quantity": 1, "idempotencyKey": "k-anon"}}
    body = client.post(operation("AddToCart"), variables).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert demo.calls() == {}


def test_upstream_calls_carry_the_contract_headers(client: Client, demo: Demo) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = {
        **auth("u0003"),
        "X-Request-Id": "req-abc-123",
        "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
        "X-Request-Timeout-Ms": "900",
    }
    response = client.post(operation("HomeScreen"), headers=headers)
    assert response.headers["x-request-id"] == "req-abc-123"
    log = demo.stats()["log"]
    assert log
    for call in log:
        sent = call["headers"]
        assert sent["x-request-id"] == "req-abc-123"
        assert sent["traceparent"].split("-")[1] == trace_id
        assert sent["traceparent"].split("-")[2] != "00f067aa0ba902b7"
        assert sent["authorization"].startswith("Bearer ")
        assert "u0003" not in sent["authorization"]
        assert sent["x-user-id"] == "u0003"
        assert 0 < int(sent["x-request-timeout-ms"]) <= 900


def test_anonymous_calls_carry_no_user_id(client: Client, demo: Demo) -> None:
    client.data(operation("HomeScreen"))
    assert all("x-user-id" not in c["headers"] for c in demo.stats()["log"])


def test_trace_extension_lists_calls_in_development(client: Client) -> None:
    body = client.post(operation("SearchResults"), {"query": "lamp", "first": 5}).json()
    calls = body["extensions"]["trace"]["calls"]
    assert Counter(c["component"] for c in calls) == Counter(
        {"catalog": 2, "pricing": 1, "inventory": 1, "reviews": 1}
    )
    assert all(c["outcome"] == "ok" for c in calls)
    starts = [c["startMs"] for c in calls]
    assert starts == sorted(starts)
    assert json.dumps(calls).count("http") == 0


def _trace(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    calls: dict[str, list[dict[str, Any]]] = {}
    for call in body["extensions"]["trace"]["calls"]:
        calls.setdefault(call["component"], []).append(call)
    return calls


def test_product_fields_are_fetched_alongside_the_catalog(client: Client, demo: Demo) -> None:
    """Prices, stock, reviews and delivery need only the id: they must not wait for catalog."""
    demo.latency("catalog", 300)
    body = client.post(operation("ProductPage"), {"id": "p0001", "postcode": "10115"}).json()
    assert "errors" not in body
    calls = _trace(body)
    catalog = calls["catalog"][0]
    catalog_end = catalog["startMs"] + catalog["durationMs"]
    for component in ("pricing", "inventory", "shipping", "recommendations"):
        assert calls[component][0]["startMs"] < catalog_end, component
    assert calls["reviews"][0]["startMs"] < catalog_end
    assert demo.calls()["catalog /products"] == 2  # the product, then its related products


def test_search_nodes_are_priced_alongside_the_catalog(client: Client, demo: Demo) -> None:
    demo.latency("catalog", 300)
    body = client.post(operation("SearchResults"), {"query": "lamp", "first": 5}).json()
    calls = _trace(body)
    products_call = calls["catalog"][1]
    end = products_call["startMs"] + products_call["durationMs"]
    for component in ("pricing", "inventory", "reviews"):
        assert calls[component][0]["startMs"] < end, component
    assert demo.calls() == {"catalog /search": 1, "catalog /products": 1, "pricing /prices": 1,
                            "inventory /stock": 1, "reviews /summaries": 1}


def test_viewer_cart_and_orders_do_not_wait_for_the_profile(client: Client, demo: Demo) -> None:
    demo.latency("users", 300)
    query = "{ viewer { displayName cart { itemCount } recentOrders(first: 2) { id } } }"
    body = client.post(query, headers=auth("u0001")).json()
    assert "errors" not in body
    calls = _trace(body)
    users_end = calls["users"][0]["startMs"] + calls["users"][0]["durationMs"]
    assert calls["cart"][0]["startMs"] < users_end
    assert calls["orders"][0]["startMs"] < users_end


def test_skipped_fields_are_not_prefetched(client: Client, demo: Demo) -> None:
    query = ('query Q($no: Boolean!) { product(id: "p0001") { title '
             'rating @skip(if: $no) { count } reviews @include(if: false) { pageInfo '
             '{ hasNextPage } } price { amount } } }')
    client.data(query, {"no": True})
    assert demo.calls() == {"catalog /products": 1, "pricing /prices": 1}
