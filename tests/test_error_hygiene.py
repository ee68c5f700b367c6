"""What refusals tell a client about the schema: suggestions ("Did you mean 'product'?")
only where introspection is on (development's default), never in production, where
they would give away what introspection hides. Real BFFs on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from demo.server import DemoServer
from tests.servers import BffServer, start_bff

MISTAKES: list[tuple[str, dict[str, Any] | None, str]] = [
    ('{ prodct(id: "p0001") { title } }', None, "product"),
    ('{ product(id: "p0001") { titel } }', None, "title"),
    ('{ product(idd: "p0001") { title } }', None, "id"),
    ('{ product(id: "p0001") { ... on Prodct { title } } }', None, "Product"),
    ('query($q: Strng) { search(query: $q) { totalCount } }', None, "String"),
    ("mutation($i: AddToCartInput!) { addToCart(input: $i) { cart { itemCount } } }",
     {"i": {"productid": "p0001", "productId": "p0001", "idempotencyKey": "k"}}, "productId"),
]
PRODUCTION = {"env": "production", "service_token": "service-token", "jwt_secret": "s3cret"}


@pytest.fixture(scope="module")
def servers(demo_server: DemoServer) -> Iterator[dict[str, BffServer]]:
    started = {
        "development": start_bff(demo_server),
        "production": start_bff(demo_server, **PRODUCTION),
        "production, introspection on": start_bff(demo_server, introspection=True,
                                                  **PRODUCTION),
    }
    yield started
    for server in started.values():
        server.stop()


def _messages(server: BffServer, query: str, variables: dict[str, Any] | None) -> str:
    body = httpx.post(server.url, json={"query": query, "variables": variables or {}},
                      timeout=10).json()
    assert body["errors"][0]["extensions"]["code"] in (
        "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"), body
    everything = [e["message"] for e in body["errors"]]
    everything += body["errors"][0]["extensions"].get("validationErrors", [])
    return " | ".join(everything)


@pytest.mark.parametrize(("query", "variables", "suggested"), MISTAKES)
def test_suggestions_only_where_introspection_is_on(
    servers: dict[str, BffServer], query: str, variables: dict[str, Any] | None,
    suggested: str,
) -> None:
    production = _messages(servers["production"], query, variables)
    assert "Did you mean" not in production, production
    assert f"'{suggested}'" not in production.split("found:")[0], production  # not named
    development = _messages(servers["development"], query, variables)
    assert f"Did you mean '{suggested}'" in development, development
    opened = _messages(servers["production, introspection on"], query, variables)
    assert "Did you mean" in opened, opened
