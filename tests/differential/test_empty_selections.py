"""Selections with nothing to fetch, answered as graphql-js answers them, on both paths.

A product whose selection is only `__typename` is still a product: `{"__typename":
"Product"}`, not null. A product whose every field is excluded (`...Card
@include(if: false)`) is `{}`, not null. Only an id the catalog does not know gives
null. These are explicit answers, not only a comparison: both executors could agree
on the same mistake (today the reference does, for search nodes and cart lines).
"""

from __future__ import annotations

from typing import Any

import pytest

from demo.data import initial_cart
from tests.differential.compare import ordered
from tests.differential.exchange import Pair, Request

CARD = "fragment Card on Product { id title price { amount } }"
PRODUCT = {"__typename": "Product"}
USER = "u0001"


def answer(pair: Pair, request: Request) -> dict[str, Any]:
    """The data both paths give, which must be the same and error-free."""
    planned, reference = pair.send(request)
    found = {}
    for path, got in (("planned", planned), ("reference", reference)):
        assert got.status == 200, (path, got.text)
        assert "errors" not in got.body, (path, got.body["errors"])
        found[path] = got.body["data"]
    return found


def assert_data(pair: Pair, request: Request, expected: Any) -> None:
    for path, data in answer(pair, request).items():
        assert ordered(data) == ordered(expected), f"{path} (BFF_PLANNER=" \
            f"{'on' if path == 'planned' else 'off'}) answered {data}, not {expected}"


def excluded(selection: str) -> Request:
    """`selection` with its product selection replaced by an excluded fragment."""
    query = selection.replace("{ __typename }", "{ ...Card @include(if: $expanded) }")
    return Request(f"query Q($expanded: Boolean!) {query}\n{CARD}", {"expanded": False})


def test_search_nodes_of_only_typename(pair: Pair) -> None:
    """The issue's phrase, "kettle", matches no demo product (no nodes to get wrong), so
    "lamp" too."""
    assert_data(pair, Request('{ search(query: "kettle", first: 2) { edges { node '
                              "{ __typename } } } }"), {"search": {"edges": []}})
    assert_data(pair, Request('{ search(query: "lamp", first: 2) { edges { node '
                              "{ __typename } } } }"),
                {"search": {"edges": [{"node": PRODUCT}, {"node": PRODUCT}]}})


def test_search_nodes_whose_every_field_is_skipped(pair: Pair) -> None:
    request = excluded('{ search(query: "lamp", first: 2) { edges { node { __typename } } } }')
    assert_data(pair, request, {"search": {"edges": [{"node": {}}, {"node": {}}]}})


def test_cart_line_products(pair: Pair) -> None:
    lines = initial_cart(USER)[0]
    assert lines, "the demo user's cart should have lines"
    selection = "{ viewer { cart { items { product { __typename } } } } }"
    assert_data(pair, Request(selection, user=USER),
                {"viewer": {"cart": {"items": [{"product": PRODUCT} for _ in lines]}}})
    request = excluded(selection)
    assert_data(pair, Request(request.query, request.variables, user=USER),
                {"viewer": {"cart": {"items": [{"product": {}} for _ in lines]}}})


def test_products_by_id(pair: Pair) -> None:
    selection = '{ products(ids: ["p0001", "p9999", "p0003"]) { __typename } }'
    assert_data(pair, Request(selection), {"products": [PRODUCT, None, PRODUCT]})
    assert_data(pair, excluded(selection), {"products": [{}, None, {}]})


@pytest.mark.parametrize(("pid", "known"), [("p0001", True), ("p0004", True),
                                            ("p9999", False)])
def test_product_by_id(pair: Pair, pid: str, known: bool) -> None:
    """p0004 has no price, but nothing here asks for one."""
    selection = f'{{ product(id: "{pid}") {{ __typename }} }}'
    assert_data(pair, Request(selection), {"product": PRODUCT if known else None})
    assert_data(pair, excluded(selection), {"product": {} if known else None})


def test_related_products(pair: Pair) -> None:
    ids = answer(pair, Request('{ product(id: "p0001") { related(first: 3) { id } } }'))
    count = len(ids["reference"]["product"]["related"])
    assert count > 0
    selection = '{ product(id: "p0001") { related(first: 3) { __typename } } }'
    assert_data(pair, Request(selection), {"product": {"related": [PRODUCT] * count}})
    assert_data(pair, excluded(selection), {"product": {"related": [{}] * count}})


def test_recommendations(pair: Pair) -> None:
    selection = "{ home { recommendations(first: 3) { __typename } } }"
    assert_data(pair, Request(selection), {"home": {"recommendations": [PRODUCT] * 3}})
    assert_data(pair, excluded(selection), {"home": {"recommendations": [{}] * 3}})


def test_review_nodes(pair: Pair) -> None:
    selection = ('{ product(id: "p0001") { reviews(first: 2) { edges { node '
                 "{ __typename } } } } }")
    review = {"node": {"__typename": "Review"}}
    assert_data(pair, Request(selection), {"product": {"reviews": {"edges": [review] * 2}}})
    request = Request('query Q($x: Boolean!) { product(id: "p0001") { reviews(first: 2) '
                      "{ edges { node { id @include(if: $x) ... @skip(if: true) { body } } } } "
                      "} }", {"x": False})
    assert_data(pair, request, {"product": {"reviews": {"edges": [{"node": {}}] * 2}}})


def test_root_of_only_skipped_fields(pair: Pair) -> None:
    request = Request('query Q($e: Boolean!) { ...Root @include(if: $e) } fragment Root on '
                      'Query { product(id: "p0001") { id } }', {"e": False})
    assert_data(pair, request, {})
    assert_data(pair, Request("{ __typename }"), {"__typename": "Query"})
