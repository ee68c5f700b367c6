"""The comparison rule itself: what it must catch, and the only errors it may leave out
(those inside a subtree another error nulled, found through aliases and fragments)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.differential.compare import differences
from tests.differential.exchange import Answer, Request
from tests.differential.schema_facts import SCHEMA

SEARCH = Request('{ search(query: "lamp", first: 2) { totalCount edges { node { id '
                 "price { amount } rating { count } } } } }")


def error(path: list[Any], code: str = "DEPENDENCY_ERROR", component: str = "pricing",
          message: str = "The pricing service failed.") -> dict[str, Any]:
    return {"message": message, "path": path,
            "extensions": {"code": code, "component": component, "retryable": False}}


def answer(body: dict[str, Any], status: int = 200) -> Answer:
    return Answer(status, body, json.dumps(body))


BASE: dict[str, Any] = {
    "errors": [error(["search", "edges", 1, "node", "price"])],
    "data": {"search": {"totalCount": 9, "edges": [
        {"node": {"id": "p0001", "price": {"amount": 100}, "rating": None}},
        {"node": None},
    ]}},
    "extensions": {"cost": {"requestedQueryCost": 7, "actualQueryCost": 5,
                            "maximumAvailable": 1000},
                   "degraded": {"components": {"pricing": {"status": "error",
                                                           "reason": "DEPENDENCY_ERROR"}}}},
}


def changed(edit: Any) -> dict[str, Any]:
    body = copy.deepcopy(BASE)
    edit(body)
    return body


def test_the_same_answer_is_the_same() -> None:
    traced = changed(lambda b: b["extensions"].update(trace={"calls": [1, 2]}))
    assert differences(SCHEMA, SEARCH, answer(BASE), answer(traced)) == []


@pytest.mark.parametrize(("edit", "found"), [
    (lambda b: b["data"]["search"].update(totalCount=8), ["data"]),
    (lambda b: b["data"]["search"]["edges"][0]["node"].update(rating={"count": 1}), ["data"]),
    (lambda b: b["data"].update(search=dict(reversed(b["data"]["search"].items()))), ["data"]),
    (lambda b: b["errors"][0].update(message="Other."), ["errors"]),
    (lambda b: b["errors"][0]["extensions"].update(code="DEPENDENCY_TIMEOUT"), ["errors"]),
    (lambda b: b["errors"][0]["extensions"].update(component="catalog"), ["errors"]),
    (lambda b: b["errors"][0].update(path=["search", "edges", 0, "node", "price"]),
     ["errors"]),
    (lambda b: b["errors"].append(error(["search", "edges", 0, "node", "rating"],
                                        component="reviews")), ["errors"]),
    (lambda b: b["extensions"]["cost"].update(actualQueryCost=6), ["cost"]),
    (lambda b: b["extensions"]["cost"].update(requestedQueryCost=8), ["cost"]),
    (lambda b: b["extensions"].pop("degraded"), ["degraded"]),
    (lambda b: b.pop("data"), ["has_data", "data"]),
])
def test_each_difference_is_caught(edit: Any, found: list[str]) -> None:
    assert differences(SCHEMA, SEARCH, answer(BASE), answer(changed(edit))) == found


def test_status_is_compared() -> None:
    assert differences(SCHEMA, SEARCH, answer(BASE), answer(BASE, 400)) == ["status"]


def test_error_order_does_not_matter() -> None:
    two = changed(lambda b: b["errors"].append(error(["search", "edges", 0, "node", "rating"],
                                                     component="reviews")))
    swapped = changed(lambda b: b.update(errors=list(reversed(two["errors"]))))
    assert differences(SCHEMA, SEARCH, answer(two), answer(swapped)) == []


def test_errors_inside_a_nulled_subtree_are_left_out() -> None:
    """node 1 is null because of its price; an error in its (nullable) rating may or may not
    have been recorded first: timing, so not compared."""
    more = changed(lambda b: b["errors"].append(
        error(["search", "edges", 1, "node", "rating"], component="reviews")))
    assert differences(SCHEMA, SEARCH, answer(BASE), answer(more)) == []


def test_the_error_that_nulled_the_subtree_is_kept() -> None:
    """price is non-null: its nearest nullable position is the node itself, which is null,
    but none of the node's proper ancestors is: the error must be the same on both."""
    none = changed(lambda b: b.update(errors=[]))
    assert differences(SCHEMA, SEARCH, answer(BASE), answer(none)) == ["errors"]


ALIASED = Request('{ p: product(id: "p0004") { ...F } q: product(id: "p0001") { ...F } } '
                  "fragment F on Product { t: title ... on Product { r: rating { count } } }")


def test_paths_through_aliases_and_fragments() -> None:
    nulled: dict[str, Any] = {"data": {"p": None, "q": {"t": "Lamp", "r": None}},
              "errors": [error(["p", "t"], component="catalog"),
                         error(["q", "r"], component="reviews")]}
    inside = copy.deepcopy(nulled)
    inside["errors"].append(error(["p", "r"], component="reviews"))
    assert differences(SCHEMA, ALIASED, answer(nulled), answer(inside)) == []
    without_kept = copy.deepcopy(nulled)
    without_kept["errors"].pop(1)  # q.r: nullable, under q, which is not null
    assert differences(SCHEMA, ALIASED, answer(nulled), answer(without_kept)) == ["errors"]


def test_a_path_the_operation_does_not_have_is_compared() -> None:
    odd = changed(lambda b: b["errors"].append(error(["search", "nodes", 1, "price"])))
    assert differences(SCHEMA, SEARCH, answer(BASE), answer(odd)) == ["errors"]


def test_skipped_fields_are_not_positions() -> None:
    """Field collection honours @skip with the request's variables: a path into a
    skipped field is not one of the operation's, so an error there is compared."""
    request = Request('query Q($s: Boolean!) { product(id: "p0004") { title '
                      "rating @skip(if: $s) { count } } }", {"s": True})
    nulled: dict[str, Any] = {"data": {"product": None},
                              "errors": [error(["product", "title"])]}
    odd = copy.deepcopy(nulled)
    odd["errors"].append(error(["product", "rating"], component="reviews"))
    assert differences(SCHEMA, request, answer(nulled), answer(odd)) == ["errors"]
    shown = Request(request.query, {"s": False})
    assert differences(SCHEMA, shown, answer(nulled), answer(odd)) == []
