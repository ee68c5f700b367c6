"""GraphQL over HTTP (HTTP.md): methods, media types, status codes, CSRF guard, bad input,
GraphiQL, identity, limits. Every refusal is coded and the server keeps serving."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from demo.server import DemoServer
from tests.conftest import auth, make_token, operation
from tests.servers import BffServer, Client, Demo, start_bff

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON_HEADERS = {"Content-Type": "application/json"}


def post_raw(client: Client, content: bytes, headers: dict[str, str]) -> httpx.Response:
    return client.http.post(client.server.url, content=content, headers=headers)


def code_of(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


def still_serving(client: Client) -> None:
    assert client.data("{ product(id: \"p0001\") { id } }") == {"product": {"id": "p0001"}}


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b'{"query": "{ product(id: \\"p1\\") { id }"', 400, "BAD_REQUEST"),  # malformed JSON
        (b"[]", 400, "BAD_REQUEST"),
        (b'[{"query": "{ home { promotions { id } } }"}]', 400, "BAD_REQUEST"),  # batching off
        (b'"just a string"', 400, "BAD_REQUEST"),
        (b"{}", 400, "BAD_REQUEST"),  # no query
        (b'{"query": 42}', 400, "BAD_REQUEST"),
        (b'{"query": "{ home { promotions { id } } }", "variables": [1]}', 400, "BAD_REQUEST"),
        (b'{"query": "{ home { promotions { id } } }", "extensions": "x"}', 400, "BAD_REQUEST"),
        (b"\xff\xfe garbage", 400, "BAD_REQUEST"),
    ],
)
def test_malformed_requests_are_coded_400s(
    client: Client, demo: Demo, content: bytes, status: int, code: str
) -> None:
    response = post_raw(client, content, JSON_HEADERS)
    assert response.status_code == status
    assert code_of(response) == code
    assert response.headers["x-request-id"]
    assert "Traceback" not in response.text
    assert demo.calls() == {}
    still_serving(client)


def test_batched_array_of_many_operations_is_refused_cheaply(client: Client, demo: Demo) -> None:
    batch = b"[" + b",".join([b'{"query": "{ home { promotions { id } } }"}'] * 1000) + b"]"
    response = post_raw(client, batch, JSON_HEADERS)
    assert response.status_code == 400
    assert code_of(response) == "BAD_REQUEST"
    assert demo.calls() == {}


def test_wrong_content_type_is_415(client: Client) -> None:
    response = post_raw(client, b"query { home { promotions { id } } }",
                        {"Content-Type": "application/graphql", "Apollo-Require-Preflight": "1"})
    assert response.status_code == 415
    assert code_of(response) == "BAD_REQUEST"


def test_simple_cross_site_requests_are_refused(client: Client, demo: Demo) -> None:
    form = post_raw(client, b"query=%7B%20home%20%7B%20promotions%20%7B%20id%20%7D%20%7D%20%7D",
                    {"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 400 and code_of(form) == "BAD_REQUEST"
    text = post_raw(client, b'{"query": "{ home { promotions { id } } }"}',
                    {"Content-Type": "text/plain"})
    assert text.status_code == 400 and code_of(text) == "BAD_REQUEST"
    get = client.http.get(client.server.url, params={"query": "{ home { promotions { id } } }"})
    assert get.status_code == 400 and code_of(get) == "BAD_REQUEST"
    assert demo.calls() == {}


def test_get_query_with_a_preflight_header(client: Client) -> None:
    params = {"query": operation("SearchResults"),
              "variables": '{"query": "lamp", "first": 2}', "operationName": "SearchResults"}
    for headers in ({"Apollo-Require-Preflight": "true"}, {"X-Requested-With": "fetch"},
                    JSON_HEADERS, {"X-Apollo-Operation-Name": "SearchResults"}):
        response = client.http.get(client.server.url, params=params, headers=headers)
        assert response.status_code == 200, response.text
        assert len(response.json()["data"]["search"]["edges"]) == 2


def test_get_with_invalid_variables_json(client: Client) -> None:
    response = client.http.get(
        client.server.url,
        params={"query": "{ home { promotions { id } } }", "variables": "{not json"},
        headers={"Apollo-Require-Preflight": "true"},
    )
    assert response.status_code == 400 and code_of(response) == "BAD_REQUEST"


def test_mutation_over_get_is_405(client: Client, demo: Demo) -> None:
    response = client.http.get(
        client.server.url,
        params={"query": operation("AddToCart"),
                "variables": '{"input": {"productId": "p0010", "idempotencyKey": "k"}}'},
        headers={"Apollo-Require-Preflight": "true", **auth()},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert code_of(response) == "BAD_REQUEST"
    without_variables = client.http.get(
        client.server.url, params={"query": operation("AddToCart")},
        headers={"Apollo-Require-Preflight": "true"},
    )
    assert without_variables.status_code == 405, "the method is wrong before the variables are"
    assert demo.calls() == {}


def test_other_methods_are_405(client: Client) -> None:
    response = client.http.put(client.server.url, json={"query": "{ home { promotions { id } } }"})
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


@pytest.mark.parametrize(
    ("query", "variables", "operation_name", "code"),
    [
        ("{ product(id: ", None, None, "GRAPHQL_PARSE_FAILED"),
        ("{ product(id: \"p1\") { nope } }", None, None, "GRAPHQL_VALIDATION_FAILED"),
        ("query Q($id: ID!) { product(id: $id) { id } }", {"id": {"x": 1}}, None,
         "BAD_USER_INPUT"),
        ("query Q($id: ID!) { product(id: $id) { id } }", {}, None, "BAD_USER_INPUT"),
        ("query Q($n: Int) { search(query: \"x\", first: $n) { totalCount } }", {"n": "ten"},
         None, "BAD_USER_INPUT"),
        ("query A { home { promotions { id } } } query B { viewer { id } }", None, "C",
         "BAD_REQUEST"),
        ("query A { home { promotions { id } } } query B { viewer { id } }", None, None,
         "BAD_REQUEST"),
    ],
)
def test_request_errors_status_by_media_type(
    client: Client, demo: Demo, query: str, variables: dict[str, Any] | None,
    operation_name: str | None, code: str,
) -> None:
    spec = client.post(query, variables, operation_name=operation_name,
                       headers={"Accept": GRAPHQL_RESPONSE})
    assert spec.status_code == 400
    assert spec.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert code_of(spec) == code
    assert "data" not in spec.json()
    legacy = client.post(query, variables, operation_name=operation_name,
                         headers={"Accept": "application/json"})
    assert legacy.headers["content-type"].startswith("application/json")
    assert code_of(legacy) == code
    # a well-formed GraphQL response is 200 under legacy JSON; a malformed request stays 400
    assert legacy.status_code == (400 if code == "BAD_REQUEST" else 200)
    assert demo.calls() == {}
    still_serving(client)


def test_accept_negotiation(client: Client) -> None:
    query = "{ home { promotions { id } } }"
    assert client.post(query, headers={"Accept": "*/*"}).headers["content-type"].startswith(
        "application/json")
    mixed = client.post(query, headers={"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"})
    assert mixed.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert client.post(query, headers={"Accept": "text/csv"}).status_code == 406


def test_argument_ranges_are_refused_before_any_call(client: Client, demo: Demo) -> None:
    queries = [
        '{ search(query: "lamp", first: 51) { totalCount } }',
        '{ search(query: "lamp", first: 0) { totalCount } }',
        '{ product(id: "p0001") { reviews(first: 21) { pageInfo { hasNextPage } } } }',
        '{ product(id: "p0001") { images(first: 11) { url } } }',
        '{ product(id: "p0001") { related(first: 13) { id } } }',
        '{ home { recommendations(first: 25) { id } } }',
        '{ viewer { recentOrders(first: 21) { id } } }',
        "{ products(ids: [" + ",".join(f'"p{n:04d}"' for n in range(1, 52)) + "]) { id } }",
        'query Q($n: Int) { search(query: "x", first: $n) { totalCount } }',
        'fragment F on Query { search(query: "x", first: 99) { totalCount } } { ...F }',
    ]
    for query in queries:
        response = client.post(query, {"n": 100}, headers={"Accept": GRAPHQL_RESPONSE})
        assert response.status_code == 400, query
        assert code_of(response) == "BAD_USER_INPUT", query
    assert demo.calls() == {}
    skipped = client.post('query Q($skip: Boolean!) { home { promotions { id } } '
                          'search(query: "x", first: 99) @skip(if: $skip) { totalCount } }',
                          {"skip": True})
    assert "errors" not in skipped.json()


def test_graphiql_is_served_offline(client: Client) -> None:
    page = client.http.get(client.server.url, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "graphiql" in html.lower()
    assert "https://" not in html and "http://" not in html, "no CDN: assets come from the BFF"
    for asset in ("graphiql.min.css", "graphiql.min.js", "react.production.min.js",
                  "react-dom.production.min.js"):
        assert f"/graphiql/static/{asset}" in html
        served = client.http.get(f"{client.server.base_url}/graphiql/static/{asset}")
        assert served.status_code == 200 and len(served.content) > 1000


def test_introspection_in_development(client: Client) -> None:
    data = client.data("{ __schema { queryType { name } } }")
    assert data == {"__schema": {"queryType": {"name": "Query"}}}


def test_production_turns_off_graphiql_and_introspection(
    demo_server: DemoServer, demo: Demo
) -> None:
    server = start_bff(demo_server, env="production", service_token="s3cret",
                       jwt_secret="prod-secret")
    try:
        with httpx.Client(timeout=5) as http:
            browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            page = http.get(server.url, headers={"Accept": browser})
            assert page.status_code == 406  # no IDE: a page saying so, and how to turn it on
            assert page.headers["content-type"].startswith("text/html")
            assert "GraphiQL" in page.text and "BFF_GRAPHIQL=true" in page.text
            assert "graphiql.min.js" not in page.text
            with_query = http.get(server.url, params={"query": "{ __typename }"},
                                  headers={"Accept": browser})  # a GraphQL GET: coded
            assert with_query.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
            introspection = http.post(server.url, json={"query": "{ __schema { types { name } } }"})
            assert introspection.json()["errors"][0]["extensions"]["code"] == \
                "GRAPHQL_VALIDATION_FAILED"
            body = http.post(server.url, json={"query": operation("SearchResults"),
                                               "variables": {"query": "lamp", "first": 1}}).json()
            assert "trace" not in body.get("extensions", {})
            sent = demo.stats()["log"][0]["headers"]["authorization"]
            assert sent == "Bearer s3cret"
    finally:
        server.stop()


def test_request_id_on_every_response(client: Client) -> None:
    responses = [
        client.post("{ home { promotions { id } } }"),
        client.post("{ nope }"),
        post_raw(client, b"not json", JSON_HEADERS),
        client.http.get(client.server.url, headers={"Accept": "text/html"}),
        client.post("{ home { promotions { id } } }", headers={"X-Request-Id": "mine-42"}),
    ]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(ids) and ids[-1] == "mine-42"
    assert len(set(ids)) == len(ids)
    hostile = client.post("{ home { promotions { id } } }",
                          headers={"X-Request-Id": "x" * 500})
    assert hostile.headers["x-request-id"] != "x" * 500
    base = client.server.base_url
    for path in ("/healthz", "/readyz", "/metrics", "/nowhere", "/graphiql/static/LICENSES.txt"):
        other = client.http.get(base + path, headers={"X-Request-Id": "edge-7"})
        assert other.headers["x-request-id"] == "edge-7", path
    assert client.http.get(base + "/healthz").headers["x-request-id"]


def test_invalid_or_expired_tokens_are_401(client: Client, demo: Demo) -> None:
    tokens = [
        "not-a-jwt",
        make_token(ttl_s=-60),
        make_token(secret="another-secret-that-is-long-enough"),
    ]
    for token in tokens:
        for headers in ({"Authorization": f"Bearer {token}"}, {"Cookie": f"bff_session={token}"}):
            response = client.post("{ viewer { id } }", headers=headers)
            assert response.status_code == 401
            assert code_of(response) == "UNAUTHENTICATED"
    basic = client.post("{ viewer { id } }", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401
    assert demo.calls() == {}


def test_token_without_subject_is_401(client: Client) -> None:
    import jwt

    from app.settings import DEV_SECRET

    token = jwt.encode({"exp": int(time.time()) + 60}, DEV_SECRET, algorithm="HS256")
    response = client.post("{ viewer { id } }", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_session_cookie_identifies_the_user(client: Client) -> None:
    response = client.post("{ viewer { id } }",
                           headers={"Cookie": f"bff_session={make_token('u0007')}"})
    assert response.json()["data"] == {"viewer": {"id": "u0007"}}


def test_body_over_the_limit_is_413(demo_server: DemoServer, demo: Demo) -> None:
    server = start_bff(demo_server, max_body_bytes=2048)
    try:
        with httpx.Client(timeout=5) as http:
            big = {"query": "{ home { promotions { id } } }", "variables": {"pad": "x" * 4096}}
            response = http.post(server.url, json=big)
            assert response.status_code == 413
            assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
            ok = http.post(server.url, json={"query": "{ home { promotions { id } } }"})
            assert ok.status_code == 200
    finally:
        server.stop()


def test_cross_origin_only_for_configured_origins(
    demo_server: DemoServer, client: Client
) -> None:
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type, authorization"}
    default = client.http.options(client.server.url, headers=preflight)
    assert "access-control-allow-origin" not in default.headers  # same-origin by default
    server = start_bff(demo_server, cors_origins="https://shop.example")
    try:
        with httpx.Client(timeout=5) as http:
            allowed = http.options(server.url, headers=preflight)
            assert allowed.status_code == 200
            assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
            assert allowed.headers["access-control-allow-credentials"] == "true"
            other = http.options(server.url, headers={**preflight,
                                                      "Origin": "https://evil.example"})
            assert other.headers.get("access-control-allow-origin") != "https://evil.example"
            actual = http.post(server.url, json={"query": "{ home { promotions { id } } }"},
                               headers={"Origin": "https://shop.example"})
            assert actual.headers["access-control-allow-origin"] == "https://shop.example"
            assert "x-request-id" in actual.headers["access-control-expose-headers"]
    finally:
        server.stop()


def test_oversized_headers_are_431(client: Client) -> None:
    response = client.post("{ home { promotions { id } } }", headers={"X-Big": "a" * 70_000})
    assert response.status_code == 431
    assert code_of(response) == "BAD_REQUEST"
    assert response.headers["x-request-id"]
    still_serving(client)


def test_load_shedding_answers_503_at_once(demo_server: DemoServer, demo: Demo) -> None:
    server = start_bff(demo_server, max_in_flight=1)
    try:
        demo.fault("promotions", mode="hang", hang_s=1)
        import concurrent.futures

        with httpx.Client(timeout=5) as http, concurrent.futures.ThreadPoolExecutor(2) as pool:
            slow = pool.submit(http.post, server.url,
                               json={"query": "{ home { promotions { id } } }"})
            time.sleep(0.2)
            shed = http.post(server.url, json={"query": "{ home { promotions { id } } }"})
            assert shed.status_code == 503
            assert shed.headers["retry-after"]
            assert shed.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            assert slow.result().status_code == 200
            assert http.get(f"{server.base_url}/healthz").status_code == 200
    finally:
        server.stop()


def test_health_readiness_and_metrics(client: Client, bff_server: BffServer) -> None:
    client.data("{ home { promotions { id } } }")
    base = bff_server.base_url
    assert client.http.get(f"{base}/healthz").json() == {"status": "ok"}
    assert client.http.get(f"{base}/readyz").status_code == 200
    metrics = client.http.get(f"{base}/metrics").text
    assert 'bff_requests_total{operation="anonymous",outcome="ok",status="200"}' in metrics
    assert 'bff_upstream_calls_total{component="promotions",outcome="ok"}' in metrics


def test_readiness_reports_an_unreachable_redis(demo_server: DemoServer) -> None:
    up = start_bff(demo_server, redis_url="redis://127.0.0.1:6379/0")
    down = start_bff(demo_server, redis_url="redis://127.0.0.1:1/0")
    try:
        with httpx.Client(timeout=5) as http:
            assert http.get(f"{up.base_url}/readyz").status_code == 200
            started = time.monotonic()
            response = http.get(f"{down.base_url}/readyz")
            assert response.status_code == 503
            assert time.monotonic() - started < 3
            assert http.get(f"{down.base_url}/healthz").status_code == 200
    finally:
        up.stop()
        down.stop()
