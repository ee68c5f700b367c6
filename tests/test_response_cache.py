"""The response cache against the machine's Redis: hits, misses and stale entries, the bytes
of a hit, keys (canonical variables, the schema fingerprint, scope), what is never stored,
private entries, invalidation, single flight, and entries shared across processes."""

from __future__ import annotations

import concurrent.futures
import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import redis

from app.response_cache import keys
from demo.server import DemoServer
from tests.cache_helpers import (
    GET_HEADERS,
    cached_bff,
    calls,
    delete_prefix,
    metric,
    new_prefix,
    persisted_params,
    process_env,
    serving,
)
from tests.conftest import make_token, operation
from tests.servers import BffServer, Demo

SEARCH = operation("SearchResults")
LAMPS = {"query": "lamp", "first": 3}


@pytest.fixture
def prefix() -> Iterator[str]:
    value = new_prefix()
    yield value
    delete_prefix(value)


@pytest.fixture
def server(demo_server: DemoServer, prefix: str) -> Iterator[BffServer]:
    bff = cached_bff(demo_server, prefix, cache_private=True)
    yield bff
    bff.stop()


def unique_product_query(product_id: str = "p0003") -> str:
    """A document of this test's own (no entry from another test can answer it)."""
    return (f'query Q{uuid.uuid4().hex[:8]} {{ product(id: "{product_id}") '
            "{ id title price { amount } } }")


def searchable(word: str) -> str:
    """`word` and punctuation of this test's own: the same search results (the demo
    search matches words), a key no other test has."""
    marks = "!#$%&*+-./:;=?@^_~"
    return word + " " + "".join(marks[int(c, 16)] for c in uuid.uuid4().hex[:10])


def register(bff: BffServer, query: str) -> httpx.Response:
    """APQ registration (hash and text together), which executes the query too."""
    return httpx.post(bff.url, json={"query": query, "extensions": json.loads(
        persisted_params(query)["extensions"])}, timeout=10)


def get(bff: BffServer, query: str, variables: dict[str, object] | None = None,
        headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(bff.url, params=persisted_params(query, variables),
                     headers={**GET_HEADERS, **(headers or {})}, timeout=10)


def post(bff: BffServer, query: str, variables: dict[str, object] | None = None,
         headers: dict[str, str] | None = None) -> httpx.Response:
    body: dict[str, object] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return httpx.post(bff.url, json=body, headers=headers or {}, timeout=10)


def test_miss_then_hit_with_the_same_bytes_and_no_upstream_call(
    server: BffServer, demo: Demo
) -> None:
    first = get(server, SEARCH, LAMPS)
    assert first.status_code == 200 and first.headers["x-cache"] == "MISS"
    executed = sum(demo.calls().values())
    assert executed > 0
    hits_before = metric(server.base_url, "bff_cache_requests_total", layer="response",
                         result="hit")
    for _ in range(3):
        again = get(server, SEARCH, LAMPS)
        assert again.headers["x-cache"] == "HIT"
        assert again.content == first.content, "a hit is the stored bytes"
        for header in ("etag", "cache-control", "vary", "content-type"):
            assert again.headers[header] == first.headers[header], header
        assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert sum(demo.calls().values()) == executed, "a hit makes no upstream call"
    assert "trace" not in first.json()["extensions"], "nothing per request in shared bytes"
    not_modified = get(server, SEARCH, LAMPS, {"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["x-cache"] == "HIT"
    assert metric(server.base_url, "bff_cache_requests_total", layer="response",
                  result="hit") >= hits_before + 4


def test_post_get_and_variable_order_share_one_entry(server: BffServer, demo: Demo) -> None:
    """Keys are made of coerced variables: their order, the transport and a default left
    out (`first` defaults to 20) do not make another entry."""
    term = searchable("desk")
    first = post(server, SEARCH, {"query": term, "first": 20})
    assert first.headers["x-cache"] == "MISS"
    assert first.headers["cache-control"] == "no-store"  # POST answers are not HTTP-cached
    by_get = httpx.get(server.url, params={
        **persisted_params(SEARCH), "variables": '{"first":20,  "query":' + json.dumps(term) + "}"
    }, headers=GET_HEADERS, timeout=10)
    assert by_get.headers["x-cache"] == "HIT" and by_get.content == first.content
    defaulted = post(server, SEARCH, {"query": term})
    assert defaulted.headers["x-cache"] == "HIT"
    other = post(server, SEARCH, {"query": term, "first": 19})
    assert other.headers["x-cache"] == "MISS"


def test_a_hit_spends_no_rate_limit_budget(demo_server: DemoServer, prefix: str,
                                           demo: Demo) -> None:
    query = unique_product_query()
    bff = cached_bff(demo_server, prefix, rate_limit_max_cost=4, rate_limit_restore_rate=0.01)
    try:
        first = post(bff, query)  # costs 2: product, price
        assert first.status_code == 200 and first.headers["x-cache"] == "MISS"
        assert "throttleStatus" not in first.json()["extensions"]["cost"]
        for _ in range(5):
            assert post(bff, query).headers["x-cache"] == "HIT"
        other = post(bff, unique_product_query())
        assert other.status_code == 200, "the budget is untouched by the hits"
        assert post(bff, unique_product_query()).status_code == 429
    finally:
        bff.stop()


def test_a_changed_schema_fingerprint_misses(demo_server: DemoServer, prefix: str,
                                             demo: Demo, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    query = unique_product_query()
    before = cached_bff(demo_server, prefix)
    try:
        assert post(before, query).headers["x-cache"] == "MISS"
        assert post(before, query).headers["x-cache"] == "HIT"
    finally:
        before.stop()
    printed = keys.print_schema
    monkeypatch.setattr(keys, "print_schema", lambda schema: printed(schema) + "\n# v2")
    after = cached_bff(demo_server, prefix)
    try:
        assert post(after, query).headers["x-cache"] == "MISS", "a new release, new keys"
    finally:
        after.stop()


def test_degraded_and_failed_answers_are_not_stored(server: BffServer, demo: Demo) -> None:
    demo.fault("reviews", path="/summaries", mode="status", status=503)
    term = searchable("lamp")
    for _ in range(2):
        degraded = post(server, SEARCH, {"query": term, "first": 2})
        assert "degraded" in degraded.json()["extensions"]
        assert "x-cache" not in degraded.headers
    assert calls(demo, "reviews") >= 2, "executed each time"
    demo.reset()
    demo.fault("pricing", mode="status", status=500)
    query = unique_product_query()
    for _ in range(2):
        failed = post(server, query)
        assert failed.json()["errors"] and "x-cache" not in failed.headers
    demo.reset()
    assert post(server, query).headers["x-cache"] == "MISS"


def test_private_entries_are_the_users_own(server: BffServer, demo: Demo) -> None:
    home = operation("HomeScreen")
    u1 = {"Authorization": f"Bearer {make_token('u0001')}"}
    u2 = {"Authorization": f"Bearer {make_token('u0002')}"}
    mine = post(server, home, headers=u1)
    assert mine.headers["x-cache"] == "MISS"
    assert post(server, home, headers=u1).headers["x-cache"] == "HIT"
    theirs = post(server, home, headers=u2)
    assert theirs.headers["x-cache"] == "MISS"
    assert theirs.json()["data"]["home"]["viewer"]["id"] == "u0002"
    anonymous = post(server, home)
    assert anonymous.headers["x-cache"] == "MISS"
    assert anonymous.json()["data"]["home"]["viewer"] is None
    wrong_key = "not-the-server-secret-but-32-bytes-long"
    forged = post(server, home, headers={
        "Authorization": f"Bearer {make_token('u0001', secret=wrong_key)}"})
    expired = post(server, home, headers={
        "Authorization": f"Bearer {make_token('u0001', ttl_s=-10)}"})
    cookie = httpx.post(server.url, json={"query": home}, cookies={"bff_session": "garbage"},
                        timeout=10)
    for refused in (forged, expired, cookie):
        assert refused.status_code == 401 and "x-cache" not in refused.headers
        assert "u0001" not in refused.text
    assert post(server, home, headers=u1).content == mine.content


def test_private_answers_are_not_cached_without_cache_private(
    demo_server: DemoServer, prefix: str, demo: Demo
) -> None:
    bff = cached_bff(demo_server, prefix)
    try:
        u1 = {"Authorization": f"Bearer {make_token('u0001')}"}
        for _ in range(2):
            assert "x-cache" not in post(bff, operation("CartView"), headers=u1).headers
        public = post(bff, unique_product_query(), headers=u1)
        assert public.headers["x-cache"] == "MISS", "public answers are cached for anyone"
    finally:
        bff.stop()


def test_a_cart_change_invalidates_the_users_private_entries(server: BffServer,
                                                             demo: Demo) -> None:
    user = f"u00{uuid.uuid4().int % 40 + 10:02d}"
    me = {"Authorization": f"Bearer {make_token(user)}"}
    other = {"Authorization": f"Bearer {make_token('u0001')}"}
    cart = operation("CartView")
    before = post(server, cart, headers=me)
    assert post(server, cart, headers=me).headers["x-cache"] == "HIT"
    post(server, cart, headers=other)
    assert post(server, cart, headers=other).headers["x-cache"] == "HIT"
    added = post(server, operation("AddToCart"), {"input": {
        "productId": "p0007", "quantity": 2, "idempotencyKey": uuid.uuid4().hex}}, headers=me)
    assert added.json()["data"]["addToCart"]["cart"] is not None
    after = post(server, cart, headers=me)
    assert after.headers["x-cache"] == "MISS"
    count = before.json()["data"]["viewer"]["cart"]["itemCount"]
    assert after.json()["data"]["viewer"]["cart"]["itemCount"] == count + 2
    assert post(server, cart, headers=other).headers["x-cache"] == "HIT", "only that user's"


def test_stale_while_revalidate_once_across_replicas(demo_server: DemoServer, prefix: str,
                                                     demo: Demo) -> None:
    """Max-age 1 s: past it, both replicas serve STALE while one request revalidates."""
    replicas = [cached_bff(demo_server, prefix, response_cache_max_ttl_s=1,
                           response_cache_stale_s=30) for _ in range(2)]
    try:
        query = unique_product_query()
        first = post(replicas[0], query)
        assert first.headers["x-cache"] == "MISS"
        assert post(replicas[1], query).headers["x-cache"] == "HIT"
        executed = calls(demo, "catalog")
        time.sleep(1.1)
        stale = [post(replica, query) for replica in replicas for _ in range(3)]
        assert {r.headers["x-cache"] for r in stale} <= {"STALE", "HIT"}
        assert stale[0].headers["x-cache"] == "STALE" and stale[0].content == first.content
        deadline = time.monotonic() + 5
        while post(replicas[1], query).headers["x-cache"] != "HIT":
            assert time.monotonic() < deadline, "never revalidated"
            time.sleep(0.05)
        assert calls(demo, "catalog") == executed + 1, "one revalidation across replicas"
    finally:
        for replica in replicas:
            replica.stop()


def test_fifty_concurrent_cold_requests_execute_once(server: BffServer, demo: Demo) -> None:
    demo.latency("catalog", 200)
    query = unique_product_query()
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda _: post(server, query), range(50)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert sorted(a.headers["x-cache"] for a in answers).count("MISS") == 1
    assert calls(demo, "catalog") == 1


def test_near_cache_follows_changes_in_redis(server: BffServer, prefix: str,
                                             demo: Demo) -> None:
    """An anonymous persisted GET is answered in process once known; deleting its entry in
    Redis (another replica, an operator) reaches the near-cache by Redis's invalidation."""
    query = unique_product_query()
    assert register(server, query).headers["x-cache"] == "MISS"
    assert get(server, query).headers["x-cache"] == "HIT"  # from Redis, kept in process
    assert get(server, query).headers["x-cache"] == "HIT"  # from the near-cache
    executed = calls(demo, "catalog")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        names = list(client.scan_iter(f"{prefix}rc:p:*"))
        assert len(names) == 1
        client.delete(*names)
    finally:
        client.close()
    deadline = time.monotonic() + 5
    while (answer := get(server, query)).headers["x-cache"] == "HIT":
        assert time.monotonic() < deadline, "the near-cache kept a deleted entry"
        time.sleep(0.02)
    assert answer.headers["x-cache"] == "MISS"
    assert calls(demo, "catalog") == executed + 1


def test_entries_survive_a_restart_and_serve_another_process(
    demo_server: DemoServer, prefix: str, demo: Demo
) -> None:
    query = unique_product_query()
    params = persisted_params(query)
    env = process_env(demo_server, prefix)
    with serving(env) as base:
        registered = httpx.post(f"{base}/graphql", json={
            "query": query, "extensions": json.loads(params["extensions"])}, timeout=10)
        assert registered.headers["x-cache"] == "MISS"
    executed = calls(demo, "catalog")
    with serving(env) as base:
        again = httpx.get(f"{base}/graphql", params=params, headers=GET_HEADERS, timeout=10)
        assert again.headers["x-cache"] == "HIT"
        assert again.json() == registered.json()
    assert calls(demo, "catalog") == executed


def test_concurrent_cold_requests_across_two_processes_execute_at_most_twice(
    demo_server: DemoServer, prefix: str, demo: Demo
) -> None:
    demo.latency("catalog", 300)
    query = unique_product_query()
    env = process_env(demo_server, prefix)
    with serving(env) as one, serving(env) as two:
        urls = [f"{one}/graphql", f"{two}/graphql"]
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(
                lambda i: httpx.post(urls[i % 2], json={"query": query}, timeout=10),
                range(50)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert 1 <= calls(demo, "catalog") <= 2


def test_without_redis_public_answers_are_kept_in_process_and_private_ones_not_at_all(
    demo_server: DemoServer, demo: Demo
) -> None:
    from tests.servers import start_bff

    bff = start_bff(demo_server, response_cache="on", cache_private=True)
    try:
        query = unique_product_query()
        assert register(bff, query).headers["x-cache"] == "MISS"
        assert get(bff, query).headers["x-cache"] == "HIT"
        assert get(bff, query).headers["x-cache"] == "HIT"
        me = {"Authorization": f"Bearer {make_token('u0001')}"}
        for _ in range(2):
            assert "x-cache" not in post(bff, operation("CartView"), headers=me).headers
    finally:
        bff.stop()
