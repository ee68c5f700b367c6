"""Persisted queries over real HTTP (HTTP.md): the APQ exchange by POST and GET, documentId
by hash and by id, the shipped manifest, safelist mode, metrics."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo.server import DemoServer
from persisted_queries.manifest import SHIPPED_DIR, read_manifest
from tests.conftest import auth, operation
from tests.servers import BffServer, start_bff

JSON = {"Content-Type": "application/json"}
NO_CACHE = "private, no-cache, must-revalidate"
APOLLO = {op.name: op for op in read_manifest(SHIPPED_DIR / "contract.apollo.json")}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def unique_query() -> str:
    """A valid query no other test registered (an alias makes the text unique)."""
    return f'query Fresh {{ a{uuid.uuid4().hex[:12]}: product(id: "p0001") {{ id title }} }}'


def apq(key: str, version: Any = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": key}}


def post(server: BffServer, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(server.url, json=body, headers=headers, timeout=10)


def get(server: BffServer, params: dict[str, Any], **headers: str) -> httpx.Response:
    encoded = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    return httpx.get(server.url, params=encoded, headers={**JSON, **headers}, timeout=10)


def code(response: httpx.Response) -> str:
    value: str = response.json()["errors"][0]["extensions"]["code"]
    return value


def metric(server: BffServer, name: str, **labels: str) -> float:
    text = httpx.get(server.base_url + "/metrics", timeout=10).text
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and all(part in match.group(1).split(",") for part in wanted.split(",")):
            total += float(match.group(2))
    return total


# --- APQ: the exchange Apollo Client performs -------------------------------------------


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_apq_exchange_not_found_then_register_then_hash_only(
    bff_server: BffServer, method: str
) -> None:
    query = unique_query()
    send = post if method == "POST" else get
    first = send(bff_server, {"extensions": apq(sha(query))})
    assert first.status_code == 200
    assert first.json() == {"errors": [{"message": "PersistedQueryNotFound",
                                        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}
    assert first.headers["cache-control"] == NO_CACHE

    registered = send(bff_server, {"query": query, "extensions": apq(sha(query))})
    assert registered.status_code == 200, registered.text
    data = registered.json()["data"]
    assert list(data.values()) == [{"id": "p0001", "title": data[next(iter(data))]["title"]}]

    again = send(bff_server, {"extensions": apq(sha(query))})
    assert again.status_code == 200
    assert again.json()["data"] == data


def test_apq_registration_through_get_is_served_by_post(bff_server: BffServer) -> None:
    query = unique_query()
    assert get(bff_server, {"query": query, "extensions": apq(sha(query))}).status_code == 200
    response = post(bff_server, {"extensions": apq(sha(query))})
    assert "errors" not in response.json()


def test_hash_is_case_insensitive_hex(bff_server: BffServer) -> None:
    query = unique_query()
    post(bff_server, {"query": query, "extensions": apq(sha(query).upper())})
    assert "errors" not in post(bff_server, {"extensions": apq(sha(query))}).json()


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_hash_mismatch_is_400_and_nothing_is_stored(bff_server: BffServer, method: str) -> None:
    query = unique_query()
    wrong = sha(query + " ")
    send = post if method == "POST" else get
    response = send(bff_server, {"query": query, "extensions": apq(wrong)})
    assert response.status_code == 400
    assert code(response) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert response.headers["cache-control"] == NO_CACHE
    for key in (wrong, sha(query)):
        assert code(send(bff_server, {"extensions": apq(key)})) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize(
    "extension",
    [
        {"version": 2, "sha256Hash": "ab" * 32},
        {"version": "1", "sha256Hash": "ab" * 32},
        {"version": True, "sha256Hash": "ab" * 32},
        {"sha256Hash": "ab" * 32},
        {"version": 1},
        {"version": 1, "sha256Hash": 12},
        {"version": 1, "sha256Hash": "x" * 300},
        "not-an-object",
    ],
)
def test_unsupported_version_or_malformed_extension_is_bad_request(
    bff_server: BffServer, method: str, extension: Any
) -> None:
    body = {"extensions": {"persistedQuery": extension}}
    if method == "POST":
        response = post(bff_server, body)
    else:
        response = httpx.get(
            bff_server.url, params={"extensions": json.dumps(body["extensions"])},
            headers=JSON, timeout=10,
        )
    assert response.status_code == 400
    assert code(response) == "BAD_REQUEST"
    assert response.headers["cache-control"] == NO_CACHE


def test_invalid_document_with_hash_is_refused_and_not_registered(bff_server: BffServer) -> None:
    query = "query Bad { product(id: \"p0001\") { nope } }"
    response = post(bff_server, {"query": query, "extensions": apq(sha(query))})
    assert code(response) == "GRAPHQL_VALIDATION_FAILED"
    again = post(bff_server, {"extensions": apq(sha(query))})
    assert code(again) == "PERSISTED_QUERY_NOT_FOUND"


def test_apollo_manifest_ids_are_served_without_registration(bff_server: BffServer) -> None:
    """What Apollo Client sends for the contract operations resolves at once (shipped manifest)."""
    entry = APOLLO["SearchResults"]
    response = get(bff_server, {"operationName": "SearchResults",
                                "variables": {"query": "shoe", "first": 2},
                                "extensions": apq(entry.id)})
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    edges = body["data"]["search"]["edges"]
    assert len(edges) == 2
    assert edges[0]["__typename"] == "ProductEdge"  # the Apollo body adds __typename


def test_apq_with_manifest_body_and_id_executes(bff_server: BffServer) -> None:
    entry = APOLLO["HomeScreen"]
    response = post(bff_server, {"query": entry.body, "extensions": apq(entry.id)})
    assert "errors" not in response.json()
    assert response.json()["data"]["home"]["__typename"] == "HomeScreen"


# --- documentId (Relay-style trusted documents) -------------------------------------------


@pytest.mark.parametrize("form", ["id", "sha256"])
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_document_id_by_manifest_id_and_by_hash(
    bff_server: BffServer, form: str, method: str
) -> None:
    entry = APOLLO["ProductPage"]
    document_id = entry.id if form == "id" else f"sha256:{sha(entry.body)}"
    params = {"documentId": document_id, "variables": {"id": "p0002", "postcode": "10115"}}
    response = post(bff_server, params) if method == "POST" else get(bff_server, params)
    assert response.status_code == 200, response.text
    product = response.json()["data"]["product"]
    assert product["id"] == "p0002" and product["price"]["amount"] > 0


def test_document_id_of_the_exact_file_text(bff_server: BffServer) -> None:
    """The release also ships the contract operations byte for byte (contract.json)."""
    text = operation("SearchResults")
    response = post(bff_server, {"documentId": f"sha256:{sha(text)}",
                                 "variables": {"query": "lamp", "first": 1}})
    assert "errors" not in response.json()
    assert "__typename" not in json.dumps(response.json())


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_unknown_document_id_is_404_not_in_list(bff_server: BffServer, method: str) -> None:
    params = {"documentId": f"sha256:{'0' * 64}"}
    response = post(bff_server, params) if method == "POST" else get(bff_server, params)
    assert response.status_code == 404
    assert code(response) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert response.headers["cache-control"] == NO_CACHE
    assert code(post(bff_server, {"documentId": "no-such-id"})) == "PERSISTED_QUERY_NOT_IN_LIST"


def test_document_id_also_finds_registered_apq_documents(bff_server: BffServer) -> None:
    query = unique_query()
    post(bff_server, {"query": query, "extensions": apq(sha(query))})
    response = post(bff_server, {"documentId": f"sha256:{sha(query)}"})
    assert "errors" not in response.json()


def test_document_id_with_query_or_apq_is_bad_request(bff_server: BffServer) -> None:
    entry = APOLLO["HomeScreen"]
    both = post(bff_server, {"documentId": entry.id, "query": entry.body})
    assert both.status_code == 400 and code(both) == "BAD_REQUEST"
    mixed = post(bff_server, {"documentId": entry.id, "extensions": apq(entry.id)})
    assert mixed.status_code == 400 and code(mixed) == "BAD_REQUEST"


def test_persisted_mutation_by_get_is_405(bff_server: BffServer) -> None:
    entry = APOLLO["AddToCart"]
    variables = {"input": {"productId": "p0003", "idempotencyKey": "k"}}
    response = get(bff_server, {"documentId": entry.id, "variables": variables})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_persisted_mutation_by_post_executes(bff_server: BffServer) -> None:
    entry = APOLLO["AddToCart"]
    variables = {"input": {"productId": "p0003", "quantity": 1,
                           "idempotencyKey": uuid.uuid4().hex}}
    response = post(bff_server, {"documentId": entry.id, "variables": variables},
                    **auth("u0002"))
    payload = response.json()["data"]["addToCart"]
    assert payload["userErrors"] == [] and payload["cart"]["itemCount"] >= 1


# --- metrics ------------------------------------------------------------------------------


def test_metrics_count_results_and_label_persisted_operations(bff_server: BffServer) -> None:
    before = {r: metric(bff_server, "bff_persisted_queries_total", result=r)
              for r in ("hit", "miss", "registered", "rejected")}
    named = metric(bff_server, "bff_requests_total", operation="SearchResults", status="200")
    query = unique_query()
    post(bff_server, {"extensions": apq(sha(query))})  # miss
    post(bff_server, {"query": query, "extensions": apq(sha(query))})  # registered
    post(bff_server, {"extensions": apq(sha(query))})  # hit
    post(bff_server, {"query": query, "extensions": apq("0" * 64)})  # rejected
    post(bff_server, {"documentId": APOLLO["SearchResults"].id,
                      "variables": {"query": "x", "first": 1}})  # hit
    after = {r: metric(bff_server, "bff_persisted_queries_total", result=r) for r in before}
    assert {r: after[r] - before[r] for r in before} == {
        "hit": 2, "miss": 1, "registered": 1, "rejected": 1}
    assert metric(bff_server, "bff_requests_total", operation="SearchResults",
                  status="200") == named + 1
    assert metric(bff_server, "bff_requests_total", operation="Fresh") >= 2


# --- safelist mode ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def safelist_server(demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[BffServer]:
    extra = tmp_path_factory.mktemp("manifests") / "extra.json"
    extra.write_text(json.dumps({
        "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{"id": "web-title-v1", "name": "Title", "type": "query",
                        "body": 'query Title { product(id: "p0004") { title } }'}],
    }))
    server = start_bff(demo_server, persisted_queries="safelist",
                       persisted_query_manifests=str(extra))
    yield server
    server.stop()


def test_safelist_runs_manifest_documents_by_hash_id_and_text(safelist_server: BffServer
                                                               ) -> None:
    entry = APOLLO["SearchResults"]
    variables = {"query": "shoe", "first": 1}
    by_hash = post(safelist_server, {"extensions": apq(entry.id), "variables": variables})
    by_id = post(safelist_server, {"documentId": entry.id, "variables": variables})
    by_text = post(safelist_server, {"query": entry.body, "variables": variables})
    file_text = post(safelist_server, {"query": operation("SearchResults"),
                                       "variables": variables})
    for response in (by_hash, by_id, by_text, file_text):
        assert response.status_code == 200 and "errors" not in response.json(), response.text
    custom = post(safelist_server, {"documentId": "web-title-v1"})
    assert custom.json()["data"]["product"]["title"]


def test_safelist_accepts_the_same_document_reformatted(safelist_server: BffServer) -> None:
    body = "".join(line for line in operation("HomeScreen").splitlines(True)
                   if not line.startswith("#"))
    text = "# a comment\n" + " ".join(body.split()).replace("{", "{ ,")
    assert text != body
    response = post(safelist_server, {"query": text})
    assert response.status_code == 200 and "errors" not in response.json(), response.text


def test_safelist_refuses_other_text_with_403(safelist_server: BffServer) -> None:
    response = post(safelist_server, {"query": '{ product(id: "p0001") { title } }'})
    assert response.status_code == 403
    assert code(response) == "QUERY_NOT_IN_SAFELIST"
    assert response.headers["cache-control"] == NO_CACHE
    graphql_json = post(safelist_server, {"query": "{ __typename }"},
                        Accept="application/graphql-response+json")
    assert graphql_json.status_code == 403


def test_safelist_refuses_apq_registration_and_unknown_ids(safelist_server: BffServer) -> None:
    query = unique_query()
    register = post(safelist_server, {"query": query, "extensions": apq(sha(query))})
    assert register.status_code == 403 and code(register) == "QUERY_NOT_IN_SAFELIST"
    hash_only = post(safelist_server, {"extensions": apq(sha(query))})
    assert hash_only.status_code == 404 and code(hash_only) == "PERSISTED_QUERY_NOT_IN_LIST"
    unknown = get(safelist_server, {"documentId": "sha256:" + "1" * 64})
    assert unknown.status_code == 404 and code(unknown) == "PERSISTED_QUERY_NOT_IN_LIST"


def test_extra_manifest_path_must_exist(demo_server: DemoServer, tmp_path: Path) -> None:
    from app.settings import SettingsError

    with pytest.raises(SettingsError, match="BFF_PERSISTED_QUERY_MANIFESTS"):
        start_bff(demo_server, persisted_query_manifests=str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "apollo-persisted-query-manifest", "version": 2, '
                   '"operations": []}')
    with pytest.raises(SettingsError, match="version"):
        start_bff(demo_server, persisted_query_manifests=str(bad))


def test_settings_defaults_and_bad_values() -> None:
    from app.settings import SettingsError, load_settings

    settings = load_settings({})
    assert settings.persisted_queries == "open"
    assert settings.persisted_query_manifests == ()
    assert settings.persisted_query_ttl_s == 86_400
    assert settings.redis_key_prefix == "bff:"
    assert (settings.cache_private, settings.response_cache_max_ttl_s) == (False, 300)
    shipped = str(SHIPPED_DIR / "contract.json")
    assert load_settings({"BFF_PERSISTED_QUERY_MANIFESTS": f" {shipped} ,"}
                         ).persisted_query_manifests == (shipped,)
    for name, value in (("BFF_PERSISTED_QUERIES", "closed"), ("BFF_PERSISTED_QUERY_TTL_S", "0"),
                        ("BFF_CACHE_PRIVATE", "sometimes"),
                        ("BFF_RESPONSE_CACHE_MAX_TTL_S", "-1")):
        with pytest.raises(SettingsError, match=name):
            load_settings({name: value})
