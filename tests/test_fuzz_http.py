"""Whatever a client sends, the answer is a coded GraphQL response, never a crash.

Property-based (hypothesis) over real HTTP: random JSON bodies, random query
text and random variables against the running BFF. Every answer must be JSON
with `errors[].extensions.code` or `data`, never a 5xx, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.servers import Client

CODES = {
    "BAD_REQUEST", "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT",
    "PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_HASH_MISMATCH", "PERSISTED_QUERY_NOT_IN_LIST",
    "COST_ESTIMATED_TOO_EXPENSIVE", "MAX_DEPTH_LIMIT", "MAX_ALIASES_LIMIT",
    "MAX_ROOT_FIELDS_LIMIT", "MAX_TOKENS_LIMIT", "UNAUTHENTICATED", "DEPENDENCY_ERROR",
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)  # JSON has neither
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4),
    max_leaves=12,
)
graphql_words = st.sampled_from([
    "{", "}", "(", ")", ":", "query", "mutation", "fragment", "on", "Product", "product",
    "search", "id", "title", "price", "amount", "edges", "node", "$x", "Int", "ID!", "...",
    '"p0001"', "first", "20", "home", "viewer", "@skip", "@include", "if", "true", "__typename",
    "addToCart", "input", "related", "reviews",
])
query_text = st.lists(graphql_words, max_size=40).map(" ".join) | st.text(max_size=200)


def _check(response: Any) -> None:
    assert response.status_code < 500, response.text[:300]
    body = response.json()
    assert isinstance(body, dict)
    assert "Traceback" not in response.text
    if "errors" in body:
        for error in body["errors"]:
            assert error["extensions"]["code"] in CODES, error
    else:
        assert "data" in body


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(
    st.sampled_from(["query", "variables", "operationName", "extensions", "documentId", "x"]),
    json_values | query_text, max_size=5))
def test_random_json_bodies(client: Client, body: dict[str, Any]) -> None:
    response = client.http.post(client.server.url, content=json.dumps(body),
                                headers={"Content-Type": "application/json"})
    _check(response)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=query_text, variables=st.dictionaries(st.sampled_from(["x", "id", "first"]),
                                                    json_values, max_size=3))
def test_random_queries_and_variables(client: Client, query: str,
                                      variables: dict[str, Any]) -> None:
    _check(client.post(query, variables))
