"""The contract's cart mutations through both executors: each path starts from the demo's
initial carts (reset before each), with the same user and idempotency key, and replays
the mutation once (the replay must be answered the same way on both paths too).

Faults: the cart service in each way it can fail but `hang`. A hung write is not
lost: the demo performs it when the hang is released, which is the next reset, so
the second path could not start from the state the first one had.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demo.data import initial_cart
from tests.differential.compare import assert_same
from tests.differential.exchange import Pair, Request
from tests.differential.extract_corpus import contract
from tests.differential.schema_facts import SCHEMA, bounds
from tests.differential.values import KNOWN_IDS, UNKNOWN_IDS

USERS = ("u0001", "u0002", "u0042", "u0500")
HEALTHY_EXAMPLES = 20
EXAMPLES_PER_FAULT = 3
FAULTS: dict[str, dict[str, Any]] = {
    "503": {"mode": "status", "status": 503},
    "500": {"mode": "status", "status": 500},
    "409": {"mode": "status", "status": 409},
    "invalid_json": {"mode": "invalid_json"},
    "wrong_shape": {"mode": "wrong_shape"},
    "reset": {"mode": "reset"},
}


def _quantity_bounds() -> tuple[int, int]:
    add_input = SCHEMA.type_map["AddToCartInput"]
    return bounds(add_input.fields["quantity"])["quantity"]  # type: ignore[attr-defined]


@st.composite
def mutations(draw: st.DrawFn) -> Request:
    """AddToCart or RemoveFromCart as the contract writes them, for a signed-in user (or
    anonymous, refused alike), on products in the user's cart, known or unknown."""
    user = draw(st.sampled_from((None, *USERS)), label="user")
    in_cart = tuple(pid for pid, _ in initial_cart(user or USERS[0])[0])
    product = draw(st.sampled_from((*in_cart, *KNOWN_IDS, *UNKNOWN_IDS)), label="product")
    key = f"differential-{draw(st.integers(1, 10**6), label='key')}"
    if draw(st.booleans(), label="add"):
        low, high = _quantity_bounds()
        fields: dict[str, Any] = {"productId": product, "idempotencyKey": key}
        if draw(st.booleans(), label="quantity given"):
            fields["quantity"] = draw(st.integers(low, high), label="quantity")
        return Request(contract("AddToCart"), {"input": fields}, user=user)
    return Request(contract("RemoveFromCart"),
                   {"input": {"productId": product, "idempotencyKey": key}}, user=user)


def compare(pair: Pair, request: Request, prepare: Any) -> None:
    for planned, reference in pair.send_each([request, request], prepare=prepare):
        assert_same(SCHEMA, request, planned, reference)


def examples(count: int) -> settings:
    return settings(max_examples=count, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@examples(HEALTHY_EXAMPLES)
@given(request=mutations())
def test_mutations_with_healthy_upstreams(pair: Pair, request: Request) -> None:
    compare(pair, request, pair.demo.reset)


@pytest.mark.parametrize("fault", sorted(FAULTS))
@examples(EXAMPLES_PER_FAULT)
@given(request=mutations())
def test_mutations_with_a_failing_cart(pair: Pair, fault: str, request: Request) -> None:
    def prepare() -> None:
        pair.demo.reset()
        pair.demo.fault("cart", **FAULTS[fault])

    try:
        compare(pair, request, prepare)
    finally:
        pair.demo.reset()


def test_the_cart_changes_on_both_paths(pair: Pair) -> None:
    """The comparison above means something only if the mutations take effect."""
    request = Request(contract("AddToCart"), {"input": {
        "productId": "p0010", "quantity": 2, "idempotencyKey": "differential-effect"}},
        user="u0002")
    before = initial_cart("u0002")[0]
    (planned, reference), = pair.send_each([request], prepare=pair.demo.reset)
    assert_same(SCHEMA, request, planned, reference)
    payload = reference.body["data"]["addToCart"]
    assert payload["userErrors"] == []
    assert payload["cart"]["itemCount"] == sum(quantity for _, quantity in before) + 2
