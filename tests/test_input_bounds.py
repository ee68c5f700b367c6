"""Every string a client sends is bounded: each String/ID argument and input field declares
a maximum length (`schema.common.max_length`), checked with the argument ranges before any
upstream call; header-bound values (the idempotency key) must be printable ASCII. Over
real HTTP against the demo upstreams: refused as BAD_USER_INPUT, and no upstream call."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLObjectType, get_named_type

from planner.build import metadata
from schema import build_schema
from tests.conftest import auth
from tests.servers import Client, Demo

SCHEMA = build_schema()._schema
STRINGS = ("String", "ID")

# Where each string argument or input field is sent, as a query taking it as `$v`.
SENDS: dict[str, str] = {
    "Query.product(id)": "query($v: ID!) { product(id: $v) { id } }",
    "Query.products(ids)": "query($v: ID!) { products(ids: [\"p0001\", $v]) { id } }",
    "Query.search(query)": "query($v: String!) { search(query: $v) { totalCount } }",
    "Query.search(after)":
        'query($v: String) { search(query: "lamp", after: $v) { totalCount } }',
    "Product.reviews(after)":
        'query($v: String) { product(id: "p0001") { reviews(after: $v) { edges { cursor } } } }',
    "Product.deliveryEstimate(postcode)":
        'query($v: String!) { product(id: "p0001") { deliveryEstimate(postcode: $v) '
        "{ minDays } } }",
    "AddToCartInput.productId":
        'mutation($v: ID!) { addToCart(input: {productId: $v, idempotencyKey: "k-1"}) '
        "{ cart { itemCount } } }",
    "AddToCartInput.idempotencyKey":
        'mutation($v: String!) { addToCart(input: {productId: "p0010", idempotencyKey: $v}) '
        "{ cart { itemCount } } }",
    "RemoveFromCartInput.productId":
        'mutation($v: ID!) { removeFromCart(input: {productId: $v, idempotencyKey: "k-1"}) '
        "{ cart { itemCount } } }",
    "RemoveFromCartInput.idempotencyKey":
        "mutation($v: String!) { removeFromCart(input: {productId: \"p0010\", "
        "idempotencyKey: $v}) { cart { itemCount } } }",
}


def declared_strings() -> dict[str, int | None]:
    """Every String/ID argument and input field of the schema, with its declared maximum."""
    found: dict[str, int | None] = {}
    for type_ in SCHEMA.type_map.values():
        if type_.name.startswith("__"):
            continue
        if isinstance(type_, GraphQLObjectType):
            for field_name, field in type_.fields.items():
                lengths = metadata(field).get("max_length") or {}
                for arg_name, arg in field.args.items():
                    if get_named_type(arg.type).name in STRINGS:
                        found[f"{type_.name}.{field_name}({arg_name})"] = lengths.get(arg_name)
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, input_field in type_.fields.items():
                if get_named_type(input_field.type).name in STRINGS:
                    lengths = metadata(input_field).get("max_length") or {}
                    found[f"{type_.name}.{field_name}"] = lengths.get(field_name)
    return found


def test_every_string_argument_and_input_field_declares_a_maximum() -> None:
    declared = declared_strings()
    assert {name for name, most in declared.items() if most is None} == set()
    assert set(declared) == set(SENDS), "each one is sent by a test below"


def test_idempotency_keys_are_declared_header_values() -> None:
    for input_type in ("AddToCartInput", "RemoveFromCartInput"):
        field = SCHEMA.type_map[input_type].fields["idempotencyKey"]  # type: ignore[attr-defined]
        assert "idempotencyKey" in metadata(field)["header_value"]


def _refused(client: Client, query: str, value: Any) -> dict[str, Any]:
    response = client.post(query, {"v": value}, headers=auth())
    assert response.status_code == 200, response.text[:500]
    body: dict[str, Any] = response.json()
    assert body.get("data") is None, body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body["errors"]
    return body


@pytest.mark.parametrize("where", sorted(SENDS))
def test_one_character_over_is_refused_before_any_call(
    client: Client, demo: Demo, where: str
) -> None:
    most = declared_strings()[where]
    assert most is not None
    body = _refused(client, SENDS[where], "a" * (most + 1))
    assert f"at most {most} characters ({most + 1} given)" in body["errors"][0]["message"]
    assert demo.calls() == {}


@pytest.mark.parametrize("where", sorted(SENDS))
def test_nine_hundred_kilobytes_are_refused_before_any_call(
    client: Client, demo: Demo, where: str
) -> None:
    """Inside the 1 MB body limit: it used to reach the upstream client (a masked 500)."""
    _refused(client, SENDS[where], "b" * 900_000)
    assert demo.calls() == {}


def test_a_long_literal_is_refused_too(client: Client, demo: Demo) -> None:
    response = client.post('{ search(query: "%s") { totalCount } }' % ("c" * 900_000))
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert demo.calls() == {}


@pytest.mark.parametrize("key", ["cl\u00e9-1", "key\r\nx-injected: 1", "with space", "",
                                 "tab\there"])
@pytest.mark.parametrize("where", ["AddToCartInput.idempotencyKey",
                                   "RemoveFromCartInput.idempotencyKey"])
def test_an_idempotency_key_that_cannot_be_a_header_is_refused(
    client: Client, demo: Demo, where: str, key: str
) -> None:
    body = _refused(client, SENDS[where], key)
    assert "printable ASCII" in body["errors"][0]["message"]
    assert demo.calls() == {}


def test_at_the_limit_is_served(client: Client, demo: Demo) -> None:
    most = declared_strings()["Query.search(query)"]
    assert most is not None
    body = client.post(SENDS["Query.search(query)"], {"v": "lamp " * (most // 5)}).json()
    assert "errors" not in body, body
    assert demo.calls()["catalog /search"] == 1
    key = "k" * 128
    payload = client.data(SENDS["AddToCartInput.idempotencyKey"], {"v": key},
                          headers=auth("u0009"))
    assert payload["addToCart"]["cart"]["itemCount"] >= 1
    posts = [c for c in demo.stats()["log"] if c["method"] == "POST"]
    assert [c["headers"]["idempotency-key"] for c in posts] == [key]
