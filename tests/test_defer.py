"""`@defer` over real sockets (issue 18): the initial part of a screen before its slow optional
parts, each part masked, coded and counted like a whole response, cut by the deadline, never
cached, and one complete response for clients that do not read `multipart/mixed`.

Order is shown by order, never by the clock: the reviews service is slowed (the demo's
latency) or held (its `hang` fault, ended by the test), and the initial part is read while
the demo's log shows no answer from reviews yet.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.admission import Admission
from app.graphql_http import negotiate
from app.limits import query_limits
from app.settings import load_settings
from bench import node_peers
from demo.server import DemoServer
from schema import build_schema
from tests.conftest import auth, operation
from tests.multipart import Parts, merged
from tests.servers import BffServer, Demo, start_bff

MULTIPART = "multipart/mixed;deferSpec=20220824,application/graphql-response+json," \
    "application/json;q=0.9"
"""What Apollo Client 4 sends for a query with @defer."""
ROOMY = {"x-request-timeout-ms": "5000"}
PAGE_VARS = {"id": "p0001", "postcode": "10115"}

# The contract's ProductPage with what the reviews service gives (ratings, reviews) deferred:
# the same fields in the same order once the fragments are merged.
DEFERRED_PAGE = """
query ProductPage($id: ID!, $postcode: String!) {
  product(id: $id) {
    id
    title
    description
    brand
    images(first: 5) { url alt }
    price { amount currency }
    compareAtPrice { amount currency }
    onSale
    availability { status restockDate }
    ... @defer(label: "reviews") {
      rating { average count }
      reviews(first: 5) {
        edges {
          cursor
          node {
            id
            rating
            title
            body
            createdAt
            author { displayName avatarUrl }
          }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
    deliveryEstimate(postcode: $postcode) { minDays maxDays }
    related(first: 4) {
      id
      title
      thumbnailUrl
      price { amount currency }
      ... @defer(label: "relatedRatings") { rating { average } }
    }
  }
}
"""

# Cheap at first sight, but its deferred part fans out: 50 products x 12 related x 20 authors.
LAZY = """
{ search(query: "lamp", first: 50) { edges { node { ... @defer {
  related(first: 12) { reviews(first: 20) { edges { node { author { displayName } } } } }
} } } } }
"""


@pytest.fixture(scope="module")
def patient(demo_server: DemoServer) -> Iterator[BffServer]:
    """A BFF that waits for reviews as long as the request's budget allows (5 s at most), so
    the test, not a service timeout, decides when reviews answers."""
    server = start_bff(demo_server, upstreams={"reviews": {"timeout_ms": 5000}})
    yield server
    server.stop()


@pytest.fixture
def http(demo: Demo) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:  # a "did not hang" bound, never a measure
        yield client


def post(http: httpx.Client, server: BffServer, query: str, variables: dict[str, Any] | None,
         accept: str | None, **headers: str) -> httpx.Response:
    """A POST with this Accept (None: no Accept header at all)."""
    request = http.build_request("POST", server.url,
                                 json={"query": query, "variables": variables}, headers=headers)
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    return http.send(request)


def stream(http: httpx.Client, server: BffServer, query: str = DEFERRED_PAGE,
           variables: dict[str, Any] | None = PAGE_VARS, **headers: str) -> Any:
    return http.stream("POST", server.url, json={"query": query, "variables": variables},
                       headers={"accept": MULTIPART, **ROOMY, **headers})


def reviews_calls(demo: Demo) -> list[dict[str, Any]]:
    return [entry for entry in demo.stats()["log"] if entry["service"] == "reviews"]


def requests_counted(http: httpx.Client, server: BffServer, outcome: str) -> float:
    """bff_requests_total for anonymous 200s with this outcome, as /metrics says it."""
    text = http.get(server.base_url + "/metrics").text
    pattern = (r'^bff_requests_total\{operation="anonymous",outcome="' + outcome
               + r'",status="200"\} ([0-9.e+]+)$')
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def all_entries(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for part in parts for entry in part.get("incremental", ())]


# --- the initial part first ------------------------------------------------------------------


@pytest.mark.parametrize("slowed", ["latency", "held"])
def test_initial_part_arrives_before_reviews_answers(
    patient: BffServer, demo: Demo, http: httpx.Client, slowed: str,
) -> None:
    if slowed == "latency":
        demo.latency("reviews", 1500)
    else:
        demo.fault("reviews", "hang", hang_s=30)
    with stream(http, patient) as response:
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers
        parts = Parts(response)
        initial = parts.next()
        # Read before the reviews service has answered anything: its calls were made
        # (early), none has an answer logged.
        called = reviews_calls(demo)
        assert called, "deferred loads start with the rest of the operation"
        assert [entry["status"] for entry in called] == [None] * len(called), called
        product = initial["data"]["product"]
        assert initial["hasNext"] is True and "errors" not in initial
        assert product["title"] == "Stride Classic Running Shoe - Navy"
        assert product["price"] == {"amount": 8999, "currency": "USD"}
        assert "rating" not in product and "reviews" not in product
        assert [sorted(item) for item in product["related"]] == \
            [["id", "price", "thumbnailUrl", "title"]] * 4
        if slowed == "held":
            demo.clear_faults()  # reviews answers now, and only now
        rest = parts.rest()
    entries = all_entries(rest)
    reviews = [e for e in entries if e.get("label") == "reviews"]
    assert len(reviews) == 1 and reviews[0]["path"] == ["product"]
    assert "errors" not in reviews[0]
    assert reviews[0]["data"]["rating"]["count"] > 0
    assert len(reviews[0]["data"]["reviews"]["edges"]) == 5
    ratings = [e for e in entries if e.get("label") == "relatedRatings"]
    assert sorted(e["path"][-1] for e in ratings) == [0, 1, 2, 3]
    assert all(e["path"][:2] == ["product", "related"] for e in ratings)
    assert [part["hasNext"] for part in rest] == [True] * (len(rest) - 1) + [False]
    last = rest[-1]
    assert set(last) == {"hasNext", "extensions"}, "the last part sums the request up"
    assert "degraded" not in last["extensions"]
    assert {call["component"] for call in last["extensions"]["trace"]["calls"]} >= {
        "catalog", "pricing", "reviews", "users", "recommendations", "shipping"}


def test_parts_merge_into_the_complete_response(
    patient: BffServer, demo: Demo, http: httpx.Client
) -> None:
    """Merged as a client merges them, the parts are the response to the same query without
    @defer (the contract's ProductPage), cost included."""
    with stream(http, patient) as response:
        parts = Parts(response)
        initial = parts.next()
        assembled = merged(initial, parts.rest())
    whole = post(http, patient, operation("ProductPage"), PAGE_VARS, "application/json").json()
    assert assembled["data"] == whole["data"]
    assert "errors" not in assembled and "errors" not in whole
    assert assembled["extensions"]["cost"] == whole["extensions"]["cost"]
    assert whole["extensions"]["cost"]["requestedQueryCost"] == 21  # ProductPage, README


# --- every part gets what a whole response gets ----------------------------------------------


def test_failing_reviews_give_the_deferred_part_a_coded_error_and_the_last_part_degraded(
    patient: BffServer, demo: Demo, http: httpx.Client
) -> None:
    demo.fault("reviews", "status", status=500)
    before = requests_counted(http, patient, "degraded")
    with stream(http, patient) as response:
        parts = Parts(response)
        initial = parts.next()
        rest = parts.rest()
        raw = json.dumps([initial, *rest])
    assert "errors" not in initial and initial["data"]["product"]["title"]
    reviews = next(e for e in all_entries(rest) if e.get("label") == "reviews")
    assert reviews["data"] == {"rating": None, "reviews": None}
    assert [error["path"] for error in reviews["errors"]] == [
        ["product", "rating"], ["product", "reviews"]]
    for error in reviews["errors"]:
        assert error["message"] == "The reviews service gave an unexpected answer."
        assert error["extensions"] == {"code": "DEPENDENCY_ERROR", "component": "reviews",
                                       "retryable": False}
    assert rest[-1]["extensions"]["degraded"] == {
        "components": {"reviews": {"status": "error", "reason": "DEPENDENCY_ERROR"}}}
    # Nothing of the upstream leaks: no host, port, URL or upstream message.
    upstream = demo.server.base_url
    assert upstream.split("//")[1] not in raw and "injected fault" not in raw
    assert "Traceback" not in raw
    assert requests_counted(http, patient, "degraded") == before + 1


def test_a_service_only_the_deferred_part_needs_degrades_only_that_part(
    patient: BffServer, demo: Demo, http: httpx.Client
) -> None:
    """Review authors (users service) are asked for only once the deferred reviews arrive."""
    demo.fault("users", "wrong_shape")
    with stream(http, patient) as response:
        parts = Parts(response)
        initial = parts.next()
        rest = parts.rest()
    assert "errors" not in initial
    reviews = next(e for e in all_entries(rest) if e.get("label") == "reviews")
    assert [edge["node"]["author"] for edge in reviews["data"]["reviews"]["edges"]] == \
        [None] * 5
    assert {error["path"][-1] for error in reviews["errors"]} == {"author"}
    assert {json.dumps(error["extensions"], sort_keys=True) for error in reviews["errors"]} == {
        json.dumps({"code": "DEPENDENCY_ERROR", "component": "users", "retryable": False},
                   sort_keys=True)}
    assert rest[-1]["extensions"]["degraded"] == {
        "components": {"users": {"status": "error", "reason": "DEPENDENCY_ERROR"}}}


def test_a_hanging_deferred_field_is_cut_by_the_deadline(
    patient: BffServer, demo: Demo, http: httpx.Client
) -> None:
    demo.fault("reviews", "hang", hang_s=30)
    with stream(http, patient, **{"x-request-timeout-ms": "300"}) as response:
        parts = Parts(response)
        initial = parts.next()
        rest = parts.rest()  # ends: the budget, not the held service, decides
    assert initial["data"]["product"]["price"]["amount"] == 8999
    entries = all_entries(rest)
    assert entries and all(entry["data"] in ({"rating": None, "reviews": None},
                                             {"rating": None}) for entry in entries)
    codes = {error["extensions"]["code"] for entry in entries for error in entry["errors"]}
    assert codes == {"DEADLINE_EXCEEDED"}
    assert rest[-1]["extensions"]["degraded"] == {
        "components": {"reviews": {"status": "error", "reason": "DEADLINE_EXCEEDED"}}}


def test_a_critical_failure_inside_a_deferred_fragment_nulls_that_fragment(
    patient: BffServer, demo: Demo, http: httpx.Client
) -> None:
    """p0004 has no price: `price` is non-null, so its null reaches the deferred fragment,
    which is delivered as null with the error; the product, sent already, keeps its title.
    (Without @defer the product itself would be null.)"""
    query = 'query { product(id: "p0004") { title ... @defer { price { amount } } } }'
    with stream(http, patient, query, None) as response:
        parts = Parts(response)
        initial = parts.next()
        rest = parts.rest()
    assert initial["data"] == {"product": {"title": initial["data"]["product"]["title"]}}
    [entry] = all_entries(rest)
    assert entry["data"] is None and entry["path"] == ["product"]
    assert [(e["path"], e["extensions"]["code"], e["extensions"]["component"])
            for e in entry["errors"]] == [(["product", "price"], "DEPENDENCY_ERROR", "pricing")]
    assert rest[-1]["extensions"]["degraded"] == {
        "components": {"pricing": {"status": "error", "reason": "DEPENDENCY_ERROR"}}}


def test_a_client_going_away_ends_the_request(
    patient: BffServer, demo: Demo, http: httpx.Client
) -> None:
    demo.fault("reviews", "hang", hang_s=30)
    before = requests_counted(http, patient, "ok")
    with stream(http, patient) as response:
        Parts(response).next()
    # The connection is closed with reviews still held: the request ends without it, is
    # counted, and leaves the in-flight count (polled: the server sees the close a moment
    # later; the bound only says it did not hang).
    for _ in range(500):
        metrics = http.get(patient.base_url + "/metrics").text
        if requests_counted(http, patient, "ok") == before + 1 and re.search(
                r"^bff_in_flight_requests 0\.0$", metrics, re.MULTILINE):
            break
        demo.stats()  # a round trip between polls
    else:
        pytest.fail("the request was never ended")


# --- one complete response for everyone else --------------------------------------------------


@pytest.mark.parametrize("accept", [None, "application/json", "*/*",
                                    "application/graphql-response+json",
                                    "multipart/mixed;deferSpec=20990101, application/json"])
def test_clients_that_do_not_read_multipart_get_one_complete_response(
    bff_server: BffServer, demo: Demo, http: httpx.Client, accept: str | None
) -> None:
    deferred = post(http, bff_server, DEFERRED_PAGE, PAGE_VARS, accept)
    whole = post(http, bff_server, operation("ProductPage"), PAGE_VARS, accept)
    assert deferred.status_code == whole.status_code == 200
    assert deferred.headers["content-type"] == whole.headers["content-type"]
    assert not deferred.headers["content-type"].startswith("multipart/")
    body, expected = deferred.json(), whole.json()
    assert body["data"] == expected["data"] and "errors" not in body
    assert body["extensions"]["cost"] == expected["extensions"]["cost"]


def test_a_deferred_operation_is_never_cached(
    bff_server: BffServer, demo: Demo, http: httpx.Client
) -> None:
    """Persisted GETs: the same query is cacheable without @defer, never with it, whole or
    in parts."""
    plain = 'query Plain { product(id: "p0001") { title price { amount } } }'
    deferred = 'query Parts { product(id: "p0001") { title ... @defer { price { amount } } } }'

    def persisted_get(query: str, accept: str) -> httpx.Response:
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": _sha(query)}}
        http.post(bff_server.url, json={"query": query, "extensions": extensions})
        return http.get(bff_server.url, params={"extensions": json.dumps(extensions)},
                        headers={"accept": accept, "apollo-require-preflight": "true"})

    assert persisted_get(plain, "application/json").headers["cache-control"] == \
        "public, max-age=60"
    whole = persisted_get(deferred, "application/json")
    assert whole.json()["data"] == {"product": {"title": "Stride Classic Running Shoe - Navy",
                                                "price": {"amount": 8999}}}
    in_parts = persisted_get(deferred, MULTIPART)
    assert in_parts.headers["content-type"].startswith("multipart/mixed")
    for response in (whole, in_parts):
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers


# --- GET and mutations: the GraphQL-over-HTTP rules -----------------------------------------


def test_a_deferred_query_over_get_is_delivered_in_parts(
    bff_server: BffServer, demo: Demo, http: httpx.Client
) -> None:
    query = 'query { product(id: "p0003") { title ... @defer { availability { status } } } }'
    with http.stream("GET", bff_server.url, params={"query": query},
                     headers={"accept": MULTIPART, "apollo-require-preflight": "true"}
                     ) as response:
        parts = Parts(response)
        initial = parts.next()
        rest = parts.rest()
    assert initial["data"] == {"product": {"title": initial["data"]["product"]["title"]}}
    assert all_entries(rest) == [{"data": {"availability": {"status": "LIMITED"}},
                                  "path": ["product"]}]


def test_a_mutation_over_get_is_refused_deferred_or_not(
    bff_server: BffServer, demo: Demo, http: httpx.Client
) -> None:
    mutation = ('mutation { addToCart(input: {productId: "p0001", idempotencyKey: "k-get"}) '
                "{ cart { itemCount ... @defer { items { productId } } } } }")
    response = http.get(bff_server.url, params={"query": mutation},
                        headers={"accept": MULTIPART, "apollo-require-preflight": "true",
                                 **auth()})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_mutation_defers_what_it_returns_never_its_root_fields(
    bff_server: BffServer, demo: Demo, http: httpx.Client
) -> None:
    nested = """
mutation Add($key: String!) {
  addToCart(input: {productId: "p0001", quantity: 2, idempotencyKey: $key}) {
    cart { itemCount ... @defer(label: "lines") { items { productId quantity product { title } } } }
    userErrors { code }
  }
}
"""
    with http.stream("POST", bff_server.url,
                     json={"query": nested, "variables": {"key": "defer-mutation-1"}},
                     headers={"accept": MULTIPART, **auth("u0042")}) as response:
        parts = Parts(response)
        initial = parts.next()
        rest = parts.rest()
    payload = initial["data"]["addToCart"]
    assert payload["userErrors"] == [] and payload["cart"]["itemCount"] >= 2
    assert "items" not in payload["cart"]
    lines = [e for e in all_entries(rest) if e.get("label") == "lines"]
    assert lines[0]["path"] == ["addToCart", "cart"]
    assert {"productId": "p0001", "quantity": 2,
            "product": {"title": "Stride Classic Running Shoe - Navy"}} in \
        lines[0]["data"]["items"]
    root = ('mutation { ... @defer { addToCart(input: {productId: "p0001", '
            'idempotencyKey: "k-root"}) { userErrors { code } } } }')
    refused = post(http, bff_server, root, None, MULTIPART, **auth())
    assert refused.status_code == 400  # a request error, under graphql-response+json
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "cannot be used on root mutation type" in error["message"]


# --- the schema, cost and negotiation ---------------------------------------------------------


def test_the_schema_declares_defer_and_not_stream() -> None:
    printed = build_schema().as_str()
    assert "directive @defer(" in printed and "@stream" not in printed


def test_stream_is_not_a_directive_here(
    bff_server: BffServer, demo: Demo, http: httpx.Client
) -> None:
    query = '{ search(query: "lamp", first: 2) { edges @stream { cursor } } }'
    body = post(http, bff_server, query, None, MULTIPART).json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Unknown directive '@stream'" in body["errors"][0]["message"]


def test_cost_counts_deferred_fragments() -> None:
    schema = build_schema()._schema
    limits = dataclasses.replace(query_limits(load_settings({})), max_cost=sys.maxsize)
    admission = Admission(schema, cache_size=0, introspection=True, limits=limits)

    def cost(query: str) -> int:
        return admission.operation(admission.document(query), None, PAGE_VARS).cost

    assert cost(DEFERRED_PAGE) == cost(operation("ProductPage")) == 21
    lazy = LAZY
    assert cost(lazy) > 1000


def test_a_query_too_expensive_in_its_deferred_parts_is_refused(
    bff_server: BffServer, demo: Demo, http: httpx.Client
) -> None:
    lazy = LAZY
    response = post(http, bff_server, lazy, None, MULTIPART)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
    assert demo.calls() == {}


@pytest.mark.parametrize(("accept", "parts"), [
    ("multipart/mixed", True),
    ('multipart/mixed; deferSpec="20220824"', True),
    ("application/json, multipart/mixed", True),  # GraphiQL
    (MULTIPART, True),
    ("multipart/mixed;q=0, application/json", False),
    ("multipart/mixed;deferSpec=20990101", False),
    ("multipart/*, application/json", False),
    ("*/*", False),
    (None, False),
])
def test_who_gets_parts(accept: str | None, parts: bool) -> None:
    assert negotiate.accepts_multipart(accept) is parts


def test_a_multipart_only_client_gets_json_for_a_whole_response() -> None:
    assert negotiate.response_media_type("multipart/mixed") == "application/json"
    with pytest.raises(Exception, match="Cannot answer"):
        negotiate.response_media_type("multipart/mixed;deferSpec=20990101")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- a real client ------------------------------------------------------------------------------

APOLLO_CLIENT = Path(__file__).with_name("apollo_client")
"""`@apollo/client` 4 with its peers, pinned by package-lock.json, installed once (`npm ci`)
into the git-ignored `node_modules` there, again only when the lockfile or Node's major
version changes (`bench.node_peers`' stamp)."""


def apollo_client_node() -> str:
    """`node`, with the Apollo Client package installed; the test is skipped without Node."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: Apollo Client (npm) cannot run here")
    version = node_peers.node_version(node)
    with node_peers._locked(APOLLO_CLIENT):
        if node_peers.needs_install(APOLLO_CLIENT, version):
            npm = shutil.which("npm")
            assert npm is not None, "node is installed without npm"
            node_peers.npm_ci(APOLLO_CLIENT, npm, APOLLO_CLIENT / "npm-ci.log")
            (APOLLO_CLIENT / "node_modules" / node_peers.STAMP).write_text(
                node_peers.install_stamp(APOLLO_CLIENT, version))
    return node


def test_apollo_client_receives_the_incremental_result(
    patient: BffServer, demo: Demo
) -> None:
    """Apollo Client's `watchQuery` (Defer20220824Handler) shows the initial part, then the
    whole page once the held reviews service is let go (by the script, after it has shown the
    initial part)."""
    node = apollo_client_node()
    demo.fault("reviews", "hang", hang_s=30)
    request = {"url": patient.url, "query": DEFERRED_PAGE, "variables": PAGE_VARS,
               "release": demo.server.base_url + "/__demo/faults"}
    done = subprocess.run([node, "read_deferred.mjs", json.dumps(request)], cwd=APOLLO_CLIENT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert results[0]["dataState"] == "streaming"
    assert results[-1]["dataState"] == "complete"
    first = results[0]["data"]["product"]
    assert first["title"] == "Stride Classic Running Shoe - Navy"
    assert first["price"]["amount"] == 8999
    assert "reviews" not in first and "rating" not in first
    last = results[-1]
    assert last["errors"] == []
    product = last["data"]["product"]
    assert len(product["reviews"]["edges"]) == 5
    assert product["rating"]["count"] > 0
    assert all(item["rating"]["average"] >= 0 for item in product["related"])
