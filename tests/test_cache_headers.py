"""HTTP caching of persisted GETs (HTTP.md "Cache hints"): Cache-Control from the schema's
hints, a strong ETag over the body, 304 on If-None-Match, Vary; never for POST, errors,
degraded responses or mutations."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.admission import Admission
from app.cache_policy import Freshness, matches
from app.limits import query_limits
from app.settings import load_settings
from demo.server import DemoServer
from persisted_queries.manifest import SHIPPED_DIR, read_manifest
from planner import account
from schema import build_schema
from tests.conftest import auth
from tests.servers import BffServer, Demo, start_bff

JSON = {"Content-Type": "application/json"}
APOLLO = {op.name: op for op in read_manifest(SHIPPED_DIR / "contract.apollo.json")}
PAGE_VARS = {"id": "p0001", "postcode": "10115"}
CONTENT = 'query Content { product(id: "p0001") { title brand images { url } } }'
PRICED = 'query Priced { product(id: "p0001") { title price { amount currency } } }'


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def get_persisted(server: BffServer, *, document_id: str | None = None, query: str | None = None,
                  variables: dict[str, Any] | None = None,
                  headers: dict[str, str] | None = None) -> httpx.Response:
    """A persisted GET: by documentId, or by APQ hash (registering the query by POST first)."""
    params: dict[str, str] = {}
    if document_id is not None:
        params["documentId"] = document_id
    else:
        assert query is not None
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}
        httpx.post(server.url, json={"query": query, "extensions": extensions}, timeout=10)
        params["extensions"] = json.dumps(extensions)
    if variables is not None:
        params["variables"] = json.dumps(variables)
    return httpx.get(server.url, params=params, headers={**JSON, **(headers or {})},
                     timeout=10)


def assert_cacheable(response: httpx.Response, cache_control: str) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == cache_control
    assert [v.strip() for v in response.headers["vary"].split(",")] == [
        "Accept", "Authorization", "Cookie"]
    tag = response.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"'), "a strong validator, not W/"
    assert "trace" not in response.json().get("extensions", {}), "shared bytes carry no trace"


def assert_not_stored(response: httpx.Response) -> None:
    assert response.headers["cache-control"] in ("no-store", "private, no-store")
    assert "etag" not in response.headers


# --- public data: max-age is the minimum over the returned fields ---------------------------


def test_public_catalog_query_gets_public_max_age(bff_server: BffServer, demo: Demo) -> None:
    assert_cacheable(get_persisted(bff_server, query=CONTENT), "public, max-age=300")
    assert_cacheable(get_persisted(bff_server, query=PRICED), "public, max-age=60")
    page = get_persisted(bff_server, document_id=APOLLO["ProductPage"].id, variables=PAGE_VARS)
    assert_cacheable(page, "public, max-age=10")  # availability is the freshest field


def test_max_age_counts_only_fields_returned(bff_server: BffServer, demo: Demo) -> None:
    """Availability is 10 s, but an unknown product returns no availability field at all."""
    query = 'query Maybe($id: ID!) { product(id: $id) { title availability { status } } }'
    known = get_persisted(bff_server, query=query, variables={"id": "p0001"})
    unknown = get_persisted(bff_server, query=query, variables={"id": "p9999"})
    assert known.headers["cache-control"] == "public, max-age=10"
    assert unknown.json()["data"] == {"product": None}
    assert unknown.json()["extensions"]["cost"]["actualQueryCost"] == 1  # availability never ran
    assert unknown.headers["cache-control"] == "public, max-age=300"


def test_anonymous_home_screen_is_public(bff_server: BffServer, demo: Demo) -> None:
    home = get_persisted(bff_server, document_id=APOLLO["HomeScreen"].id)
    assert home.json()["data"]["home"]["viewer"] is None
    assert_cacheable(home, "public, max-age=10")


def test_max_age_is_capped_by_setting(demo_server: DemoServer, demo: Demo) -> None:
    server = start_bff(demo_server, response_cache_max_ttl_s=7)
    try:
        assert_cacheable(get_persisted(server, query=CONTENT), "public, max-age=7")
    finally:
        server.stop()


# --- per-user data ---------------------------------------------------------------------------


def test_viewer_query_is_private_and_not_stored_by_default(bff_server: BffServer,
                                                           demo: Demo) -> None:
    cart = get_persisted(bff_server, document_id=APOLLO["CartView"].id, headers=auth("u0001"))
    assert cart.json()["data"]["viewer"]["id"] == "u0001"
    assert cart.headers["cache-control"] == "private, no-store"
    assert "etag" not in cart.headers
    home = get_persisted(bff_server, document_id=APOLLO["HomeScreen"].id, headers=auth("u0001"))
    assert home.headers["cache-control"] == "private, no-store"


@pytest.fixture(scope="module")
def private_caching_server(demo_server: DemoServer) -> Iterator[BffServer]:
    server = start_bff(demo_server, cache_private=True)
    yield server
    server.stop()


def test_viewer_query_with_cache_private_is_private_max_age_30(
    private_caching_server: BffServer, demo: Demo
) -> None:
    me = get_persisted(private_caching_server, headers=auth("u0001"),
                       query="query Me { viewer { id displayName recentOrders { id } } }")
    assert me.json()["data"]["viewer"]["id"] == "u0001"
    assert_cacheable(me, "private, max-age=30")
    cart = get_persisted(private_caching_server, document_id=APOLLO["CartView"].id,
                         headers=auth("u0001"))
    assert_cacheable(cart, "private, max-age=10")  # its products' availability: 10 s
    home = get_persisted(private_caching_server, document_id=APOLLO["HomeScreen"].id,
                         headers=auth("u0001"))
    assert_cacheable(home, "private, max-age=10")


def test_personalised_fields_are_private_when_signed_in(
    private_caching_server: BffServer, demo: Demo
) -> None:
    query = "query Promos { home { promotions { id title } } }"
    anonymous = get_persisted(private_caching_server, query=query)
    signed_in = get_persisted(private_caching_server, query=query, headers=auth("u0002"))
    assert_cacheable(anonymous, "public, max-age=60")
    assert_cacheable(signed_in, "private, max-age=60")


# --- never cached ------------------------------------------------------------------------------


def test_degraded_response_is_no_store(bff_server: BffServer, demo: Demo) -> None:
    demo.fault("reviews", mode="status", status=503)
    page = get_persisted(bff_server, document_id=APOLLO["ProductPage"].id, variables=PAGE_VARS)
    assert page.status_code == 200
    assert "reviews" in page.json()["extensions"]["degraded"]["components"]
    assert_not_stored(page)
    assert page.headers["cache-control"] == "no-store"


def test_post_and_plain_get_are_not_cacheable(bff_server: BffServer, demo: Demo) -> None:
    entry = APOLLO["ProductPage"]
    posted = httpx.post(bff_server.url, json={"documentId": entry.id, "variables": PAGE_VARS},
                        timeout=10)
    assert "errors" not in posted.json()
    assert_not_stored(posted)
    plain = httpx.get(bff_server.url, params={"query": CONTENT}, headers=JSON, timeout=10)
    assert "errors" not in plain.json()
    assert_not_stored(plain)


def test_refused_persisted_get_is_not_cacheable(bff_server: BffServer, demo: Demo) -> None:
    out_of_range = get_persisted(bff_server, document_id=APOLLO["SearchResults"].id,
                                 variables={"query": "shoe", "first": 500})
    assert out_of_range.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert_not_stored(out_of_range)


# --- validators and 304 ---------------------------------------------------------------------


def test_etag_is_stable_and_if_none_match_gives_304(bff_server: BffServer, demo: Demo) -> None:
    document_id = APOLLO["ProductPage"].id
    first = get_persisted(bff_server, document_id=document_id, variables=PAGE_VARS)
    second = get_persisted(bff_server, document_id=document_id, variables=PAGE_VARS)
    tag = first.headers["etag"]
    assert second.headers["etag"] == tag and second.content == first.content
    assert tag == '"' + hashlib.sha256(first.content).hexdigest()[:32] + '"'
    for if_none_match in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        not_modified = get_persisted(bff_server, document_id=document_id, variables=PAGE_VARS,
                                     headers={"If-None-Match": if_none_match})
        assert not_modified.status_code == 304, if_none_match
        assert not_modified.content == b""
        assert not_modified.headers["etag"] == tag
        assert not_modified.headers["cache-control"] == "public, max-age=10"
        assert "Authorization" in not_modified.headers["vary"]
    changed = get_persisted(bff_server, document_id=document_id,
                            variables={**PAGE_VARS, "id": "p0002"},
                            headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


def test_if_none_match_comparison() -> None:
    assert matches('"a"', '"a"') and matches('W/"a"', '"a"') and matches(' "b" , "a"', '"a"')
    assert matches("*", '"a"')
    assert not matches('"b"', '"a"') and not matches(None, '"a"') and not matches("", '"a"')


# --- the policy itself, without HTTP ------------------------------------------------------------


@pytest.fixture(scope="module")
def admission() -> Admission:
    schema = build_schema()._schema
    return Admission(schema, cache_size=0, introspection=True,
                     limits=query_limits(load_settings({})))


def _freshness(operation: Any, data: dict[str, Any], *, signed_in: bool) -> Freshness:
    return account.freshness(operation.plan, data, signed_in=signed_in, private_max_age=30,
                             max_ttl_s=300)


def test_mutations_and_unhinted_roots_are_never_cached(admission: Admission) -> None:
    mutation = admission.operation(admission.document(APOLLO["AddToCart"].body), None, {
        "input": {"productId": "p1", "idempotencyKey": "k"}})
    assert _freshness(mutation, {"addToCart": None}, signed_in=True) == Freshness(0, False)
    assert Freshness(0, False).header() == "no-store"
    typename = admission.operation(admission.document("{ __typename }"), None, {})
    assert _freshness(typename, {"__typename": "Query"}, signed_in=False).max_age == 300
    introspection = admission.operation(
        admission.document("{ __schema { queryType { name } } }"), None, {})
    assert _freshness(introspection, {"__schema": {"queryType": {"name": "Query"}}},
                      signed_in=False).max_age == 0
