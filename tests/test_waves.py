"""A slow optional dependency costs its own fields and nothing else (DESIGN.md: waves are a
graph, not tree levels).

For each contract operation and each optional service it uses: the service hangs,
the client's budget is 300 ms, and the answer must be the healthy answer with
exactly the fields that depend on that service nulled (each with a
DEADLINE_EXCEEDED error naming it): later waves that do not need it (review
authors, related products with their prices and ratings) are complete. Upstream
calls stay one per service per wave: the hung service is called as often as when
healthy, and so is every other service but those that need its answer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import auth, operation
from tests.servers import Client, Demo

BUDGET = {"X-Request-Timeout-Ms": "300"}
Paths = list[list[str | int]]
Expect = Callable[[dict[str, Any]], Paths]
"""The paths that must be null, worked out from the healthy data."""


def _each(data: dict[str, Any], path: list[str | int], then: list[str | int]) -> Paths:
    """`path + [i] + then` for every item of the list at `path`."""
    items: Any = data
    for key in path:
        items = items[key]
    return [[*path, index, *then] for index in range(len(items))]


PRODUCT_PAGE = ("ProductPage", {"id": "p0001", "postcode": "10115"}, None)
SEARCH = ("SearchResults", {"query": "lamp", "first": 5}, None)
HOME_SIGNED_IN = ("HomeScreen", None, "u0001")
HOME_ANONYMOUS = ("HomeScreen", None, None)
CART_VIEW = ("CartView", None, "u0001")

CASES: list[tuple[tuple[str, Any, str | None], str, Expect, set[str]]] = [
    # (operation, hung service, the paths that must be null, services that need its answer)
    (PRODUCT_PAGE, "inventory", lambda d: [["product", "availability"]], set()),
    (PRODUCT_PAGE, "reviews", lambda d: [
        ["product", "rating"], ["product", "reviews"],
        *_each(d, ["product", "related"], ["rating"]),
    ], {"users"}),
    (PRODUCT_PAGE, "users", lambda d: _each(
        d, ["product", "reviews", "edges"], ["node", "author"]), set()),
    (PRODUCT_PAGE, "shipping", lambda d: [["product", "deliveryEstimate"]], set()),
    (PRODUCT_PAGE, "recommendations", lambda d: [["product", "related"]],
     {"catalog", "pricing", "reviews"}),
    (SEARCH, "inventory", lambda d: _each(d, ["search", "edges"], ["node", "availability"]),
     set()),
    (SEARCH, "reviews", lambda d: _each(d, ["search", "edges"], ["node", "rating"]), set()),
    (HOME_SIGNED_IN, "orders", lambda d: [["home", "viewer", "recentOrders"]], set()),
    (HOME_SIGNED_IN, "cart", lambda d: [["home", "cartSummary"]], set()),
    (HOME_SIGNED_IN, "recommendations", lambda d: [["home", "recommendations"]],
     {"catalog", "pricing", "inventory", "reviews"}),
    (HOME_SIGNED_IN, "inventory", lambda d: _each(
        d, ["home", "recommendations"], ["availability"]), set()),
    (HOME_SIGNED_IN, "reviews", lambda d: _each(d, ["home", "recommendations"], ["rating"]),
     set()),
    (HOME_SIGNED_IN, "promotions", lambda d: [["home", "promotions"]], set()),
    (HOME_ANONYMOUS, "recommendations", lambda d: [["home", "recommendations"]],
     {"catalog", "pricing", "inventory", "reviews"}),
    (HOME_ANONYMOUS, "inventory", lambda d: _each(
        d, ["home", "recommendations"], ["availability"]), set()),
    (HOME_ANONYMOUS, "reviews", lambda d: _each(d, ["home", "recommendations"], ["rating"]),
     set()),
    (HOME_ANONYMOUS, "promotions", lambda d: [["home", "promotions"]], set()),
    (CART_VIEW, "cart", lambda d: [["viewer", "cart"]], {"catalog", "inventory"}),
    (CART_VIEW, "inventory", lambda d: _each(
        d, ["viewer", "cart", "items"], ["product", "availability"]), set()),
]


def _send(client: Client, case: tuple[str, Any, str | None], headers: dict[str, str]
          ) -> dict[str, Any]:
    name, variables, user = case
    response = client.post(operation(name), variables,
                           headers={**headers, **(auth(user) if user else {})})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _services(calls: dict[str, int]) -> dict[str, int]:
    """Calls per service (the demo counts them per service and path)."""
    per_service: dict[str, int] = {}
    for key, count in calls.items():
        service = key.split(" ", 1)[0]
        per_service[service] = per_service.get(service, 0) + count
    return per_service


def _null_at(data: dict[str, Any], paths: Paths) -> dict[str, Any]:
    expected = copy.deepcopy(data)
    for path in paths:
        parent: Any = expected
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = None
    return expected


@pytest.mark.parametrize(
    ("case", "service", "expect", "dependents"), CASES,
    ids=[f"{case[0]}{'-' + case[2] if case[2] else ''}-{service}"
         for case, service, _, _ in CASES],
)
def test_a_hanging_optional_service_costs_only_its_own_fields(
    client: Client, demo: Demo, case: tuple[str, Any, str | None], service: str,
    expect: Expect, dependents: set[str],
) -> None:
    healthy = _send(client, case, BUDGET)
    assert "errors" not in healthy, healthy["errors"]
    healthy_calls = _services(demo.calls())
    assert service in healthy_calls
    demo.reset()

    demo.fault(service, mode="hang", hang_s=5)
    hung = _send(client, case, BUDGET)
    hung_calls = _services(demo.calls())

    nulled = expect(healthy["data"])
    assert nulled, "the case must null something"
    assert hung["data"] == _null_at(healthy["data"], nulled)
    assert sorted(e["path"] for e in hung["errors"]) == sorted(nulled)
    for error in hung["errors"]:
        assert error["extensions"]["code"] == "DEADLINE_EXCEEDED", error
        assert error["extensions"]["component"] == service, error
    assert hung["extensions"]["degraded"]["components"] == {
        service: {"status": "error", "reason": "DEADLINE_EXCEEDED"}}
    for name, count in healthy_calls.items():
        if name not in dependents:
            assert hung_calls.get(name) == count, (name, hung_calls, healthy_calls)


def test_promotions_go_untargeted_when_the_users_service_hangs(
    client: Client, demo: Demo
) -> None:
    """The segment is waited for half the budget at most (UPSTREAMS.md: untargeted when it
    cannot be had), so a hanging users service costs the viewer, not the promotions."""
    anonymous = _send(client, HOME_ANONYMOUS, BUDGET)["data"]["home"]
    signed_in = _send(client, HOME_SIGNED_IN, BUDGET)["data"]["home"]
    demo.reset()
    demo.fault("users", mode="hang", hang_s=5)
    hung = _send(client, HOME_SIGNED_IN, BUDGET)
    home = hung["data"]["home"]
    assert home["viewer"] is None
    assert home["promotions"] == anonymous["promotions"]
    assert home["recommendations"] == signed_in["recommendations"]
    assert home["cartSummary"] == signed_in["cartSummary"]
    assert [e["path"] for e in hung["errors"]] == [["home", "viewer"]]
    assert hung["extensions"]["degraded"]["components"] == {
        "users": {"status": "error", "reason": "DEADLINE_EXCEEDED"}}
    promotions = [c for c in demo.stats()["log"] if c["service"] == "promotions"]
    assert len(promotions) == 1 and "segment" not in promotions[0]["query"]
