"""The Redis document store: shared by instances, TTLs as documented, and never a request's
single point of failure. Redis URL forms of RUNNING.md.

The shared machine Redis is used with a random key prefix (keys deleted afterwards); the
"Redis stops" test runs its own redis-server and stops it by PID. Redis Cluster and
Sentinel cannot run here cheaply: their URL parsing and client construction are tested,
not their traffic.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis, RedisCluster

from app.redis_client import RedisUrlError, connect, parse_url
from demo.server import DemoServer
from persisted_queries.manifest import SHIPPED_DIR, ManifestOperation, read_manifest
from persisted_queries.store import RedisDocumentStore, StoreUnavailable
from tests.conftest import SHARED_REDIS
from tests.servers import start_bff

BFF = str(Path(sys.executable).with_name("bff"))
APOLLO = {op.name: op for op in read_manifest(SHIPPED_DIR / "contract.apollo.json")}
JSON = {"Content-Type": "application/json"}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(query: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; every key under it is deleted afterwards."""
    value = f"bff-test-pq-{uuid.uuid4().hex[:10]}:"
    yield value

    async def cleanup() -> None:
        client = Redis.from_url(SHARED_REDIS)
        keys = [key async for key in client.scan_iter(match=f"{value}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()

    asyncio.run(cleanup())


# --- URL forms ---------------------------------------------------------------------------------


def test_standalone_urls() -> None:
    target = parse_url("redis://user:p%40ss@cache.internal:6380/2")
    assert (target.kind, target.tls, target.nodes, target.db) == (
        "standalone", False, (("cache.internal", 6380),), 2)
    assert (target.username, target.password) == ("user", "p@ss")
    assert parse_url("rediss://cache").nodes == (("cache", 6379),)
    assert parse_url("rediss://cache").tls
    assert parse_url("redis://:secret@[::1]:7000").nodes == (("::1", 7000),)
    assert parse_url("redis://:secret@[::1]:7000").password == "secret"


def test_cluster_urls() -> None:
    target = parse_url("redis-cluster://a:7000?node=b:7001&node=c:7002&node=a:7000")
    assert target.kind == "cluster" and not target.tls
    assert target.nodes == (("a", 7000), ("b", 7001), ("c", 7002))
    assert parse_url("rediss-cluster://u:p@a:7000").tls
    client = connect("redis-cluster://127.0.0.1:7000?node=127.0.0.1:7001")
    assert isinstance(client, RedisCluster)
    assert [(n.host, n.port) for n in client.nodes_manager.startup_nodes.values()] == [
        ("127.0.0.1", 7000), ("127.0.0.1", 7001)]


def test_sentinel_urls() -> None:
    target = parse_url(
        "redis-sentinel://u:p@s1:26379/3?sentinelServiceName=mymaster&node=s2:26380"
        "&sentinelPassword=sp"
    )
    assert target.kind == "sentinel" and target.service_name == "mymaster"
    assert target.nodes == (("s1", 26379), ("s2", 26380)) and target.db == 3
    assert (target.username, target.password, target.sentinel_password) == ("u", "p", "sp")
    assert parse_url("rediss-sentinel://s1?sentinelServiceName=m").tls
    client = connect("redis-sentinel://127.0.0.1:26379/1?sentinelServiceName=mymaster")
    assert isinstance(client, Redis)
    assert getattr(client.connection_pool, "service_name", None) == "mymaster"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://cache:6379", "unsupported scheme"),
        ("redis://cache:99999", "bad port"),
        ("redis://cache/zero", "database must be a number"),
        ("redis://cache?node=other:1", "node="),
        ("redis-cluster://a:7000/1", "only database 0"),
        ("redis-sentinel://s1:26379", "sentinelServiceName"),
        ("redis://a?sentinelServiceName=x", "sentinelServiceName"),
        ("redis://", "host is required"),
    ],
)
def test_bad_urls_are_explained(url: str, problem: str) -> None:
    with pytest.raises(RedisUrlError, match=problem):
        parse_url(url)


def test_bad_url_stops_start_up_naming_the_variable() -> None:
    from app.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="BFF_REDIS_URL: a sentinel URL needs"):
        load_settings({"BFF_REDIS_URL": "redis-sentinel://s1:26379"})


# --- the store against real Redis ------------------------------------------------------------


@pytest.fixture
async def store(prefix: str) -> AsyncIterator[RedisDocumentStore]:
    document_store = RedisDocumentStore(connect(SHARED_REDIS), prefix=prefix, apq_ttl_s=600)
    yield document_store
    await document_store.aclose()


async def test_apq_documents_expire_and_manifest_documents_do_not(
    store: RedisDocumentStore, prefix: str
) -> None:
    text = "query Q { __typename }"
    await store.register(sha(text), text)
    custom = ManifestOperation("web-v1-q", "Q", "query", "query Q { home { __typename } }")
    await store.push([custom])
    raw = Redis.from_url(SHARED_REDIS)
    try:
        assert 590 < await raw.ttl(f"{prefix}pq:apq:{sha(text)}") <= 600
        assert await raw.ttl(f"{prefix}pq:manifest") == -1  # no expiry
    finally:
        await raw.aclose()
    found = await store.get(sha(text), include_apq=True)
    assert found is not None and found.text == text and not found.trusted
    assert await store.get(sha(text), include_apq=False) is None  # safelist lookups skip APQ
    for key in ("web-v1-q", f"sha256:{custom.sha256}", custom.sha256):
        trusted = await store.get(key, include_apq=False)
        assert trusted is not None and trusted.trusted and trusted.name == "Q", key
    assert [op.id for op in await store.trusted()] == ["web-v1-q"]
    assert await store.registered() == [(sha(text), text)]


async def test_unreachable_redis_fails_fast_then_cools_down() -> None:
    store = RedisDocumentStore(connect(f"redis://127.0.0.1:{free_port()}"), prefix="x:",
                               apq_ttl_s=60)
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            await store.get("a" * 64, include_apq=True)
        with pytest.raises(StoreUnavailable, match="cooling down"):
            await store.register("a" * 64, "{ __typename }")
        assert time.monotonic() - started < 2
    finally:
        await store.aclose()


# --- two server processes, one Redis -----------------------------------------------------------


def _serve(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([BFF, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} never became ready")


def test_a_query_registered_through_one_process_is_served_by_another(
    demo_server: DemoServer, prefix: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    env.update(demo_server.upstream_env(), BFF_REDIS_URL=SHARED_REDIS,
               BFF_REDIS_KEY_PREFIX=prefix, BFF_PERSISTED_QUERY_TTL_S="600")
    ports = [free_port(), free_port()]
    processes = [_serve(port, env) for port in ports]
    try:
        first, second = (f"http://127.0.0.1:{port}" for port in ports)
        for base, process in zip((first, second), processes, strict=True):
            _wait_ready(base, process)
        query = f'query Shared {{ x{uuid.uuid4().hex[:8]}: product(id: "p0005") {{ title }} }}'
        params = {"extensions": json.dumps(apq(query))}
        unknown = httpx.get(f"{second}/graphql", params=params, headers=JSON, timeout=10)
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        registered = httpx.post(f"{first}/graphql",
                                json={"query": query, "extensions": apq(query)}, timeout=10)
        assert "errors" not in registered.json()
        served = httpx.get(f"{second}/graphql", params=params, headers=JSON, timeout=10)
        assert served.json()["data"] == registered.json()["data"]
        assert served.headers["cache-control"] == "public, max-age=300"
    finally:
        for process in processes:
            os.kill(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(5)


# --- Redis stops while serving -----------------------------------------------------------------


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this test's own, which the test may stop."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", process
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def test_redis_stopping_degrades_to_manifests_and_not_found(
    demo_server: DemoServer, own_redis: tuple[str, subprocess.Popen[bytes]]
) -> None:
    url, redis_process = own_redis
    server = start_bff(demo_server, redis_url=url)
    http = httpx.Client(timeout=10, headers=JSON)
    try:
        assert http.get(server.base_url + "/readyz").status_code == 200
        registered = 'query Before { product(id: "p0006") { title } }'
        assert "errors" not in http.post(server.url, json={
            "query": registered, "extensions": apq(registered)}).json()

        os.kill(redis_process.pid, signal.SIGTERM)
        redis_process.wait(10)

        started = time.monotonic()
        ready = http.get(server.base_url + "/readyz")
        assert ready.status_code == 503 and "redis" in ready.text
        manifest_hash = {"persistedQuery": {"version": 1,
                                            "sha256Hash": APOLLO["SearchResults"].id}}
        search = http.get(server.url, params={
            "extensions": json.dumps(manifest_hash),
            "variables": json.dumps({"query": "shoe", "first": 1})})
        assert "errors" not in search.json(), "manifest documents never need Redis"
        page = http.post(server.url, json={"documentId": APOLLO["ProductPage"].id,
                                           "variables": {"id": "p0001", "postcode": "10115"}})
        assert page.json()["data"]["product"]["id"] == "p0001"
        for _ in range(3):  # the first fails on Redis, the next ones during the cool-down
            fresh = f'query After {{ x{uuid.uuid4().hex[:8]}: product(id: "p0001") {{ id }} }}'
            unknown = http.post(server.url, json={"extensions": apq(fresh)})
            assert unknown.json()["errors"][0]["extensions"]["code"] == (
                "PERSISTED_QUERY_NOT_FOUND")
            executed = http.post(server.url, json={"query": fresh, "extensions": apq(fresh)})
            assert "errors" not in executed.json(), "registration degrades, execution does not"
        assert http.post(server.url, json={"query": "{ product(id: \"p0002\") { id } }"}
                         ).json()["data"]["product"]["id"] == "p0002"
        assert time.monotonic() - started < 5, "nothing waited on the dead Redis"
    finally:
        http.close()
        server.stop()
