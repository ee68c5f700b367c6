"""`bff pq build | push | list | check` (RUNNING.md), as release pipelines run them."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from app.cli import main
from persisted_queries.manifest import SHIPPED_DIR, read_manifest
from tests.conftest import SHARED_REDIS
from tests.contract_check import CONTRACT

BFF = str(Path(sys.executable).with_name("bff"))
TEASER = 'query ProductTeaser($id: ID!) {\n  product(id: $id) { id title colour }\n}\n'


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("BFF_"):
            monkeypatch.delenv(key)


@pytest.fixture
def redis_prefix(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    prefix = f"bff-test-pqcli-{uuid.uuid4().hex[:10]}:"
    monkeypatch.setenv("BFF_REDIS_URL", SHARED_REDIS)
    monkeypatch.setenv("BFF_REDIS_KEY_PREFIX", prefix)
    yield prefix

    async def cleanup() -> None:
        client = Redis.from_url(SHARED_REDIS)
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()

    asyncio.run(cleanup())


def manifest(path: Path, *operations: tuple[str, str, str]) -> Path:
    path.write_text(json.dumps({
        "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [
            {"id": hashlib.sha256(body.encode()).hexdigest(), "name": name, "type": kind,
             "body": body}
            for name, kind, body in operations
        ],
    }))
    return path


def test_build_exact_ids_are_the_sha256_of_each_file(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    ops = tmp_path / "ops"
    (ops / "nested").mkdir(parents=True)
    title = '# a comment stays\nquery Title { product(id: "p0001") { title } }\n'
    (ops / "Title.graphql").write_text(title)
    (ops / "nested" / "Promos.gql").write_text("query Promos { home { promotions { id } } }")
    out = tmp_path / "manifest.json"
    assert main(["pq", "build", str(ops), "-o", str(out)]) == 0
    operations = {op.name: op for op in read_manifest(out)}
    assert sorted(operations) == ["Promos", "Title"]
    assert operations["Title"].body == title
    assert operations["Title"].id == hashlib.sha256(title.encode()).hexdigest()
    assert operations["Title"].type == "query"
    assert "wrote 2 operations" in capsys.readouterr().err


def test_build_apollo_of_the_contract_is_the_shipped_manifest(tmp_path: Path) -> None:
    out = tmp_path / "apollo.json"
    result = subprocess.run(
        [BFF, "pq", "build", str(CONTRACT / "operations"), "-o", str(out), "--apollo"],
        capture_output=True, timeout=60, env={k: v for k, v in os.environ.items()
                                             if not k.startswith("BFF_")},
    )
    assert result.returncode == 0, result.stderr.decode()
    assert out.read_text() == (SHIPPED_DIR / "contract.apollo.json").read_text()


def test_build_names_every_invalid_operation(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Teaser.graphql").write_text(TEASER)
    (tmp_path / "Two.graphql").write_text("query A { home { __typename } } query B { home "
                                          "{ __typename } }")
    (tmp_path / "Broken.graphql").write_text("query Broken { product(id: ")
    assert main(["pq", "build", str(tmp_path), "-o", str(tmp_path / "m.json")]) == 1
    err = capsys.readouterr().err
    assert "ProductTeaser (Teaser.graphql): GRAPHQL_VALIDATION_FAILED: Cannot query field " \
           "'colour' on type 'Product'." in err
    assert "Two.graphql: exact manifests take one operation per file, found 2" in err
    assert "Broken.graphql: Syntax Error" in err
    assert not (tmp_path / "m.json").exists()


def test_check_passes_for_the_shipped_manifests(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(p) for p in sorted(SHIPPED_DIR.glob("*.json"))]
    assert main(["pq", "check", *paths]) == 0
    assert "12 operations valid" in capsys.readouterr().err


def test_check_fails_naming_the_operation_and_the_problem(tmp_path: Path) -> None:
    """A real process, as CI runs it: an operation that no longer validates fails the build."""
    path = manifest(
        tmp_path / "m.json",
        ("Title", "query", 'query Title { product(id: "p0001") { title } }'),
        ("ProductTeaser", "query", TEASER),
        ("Deep", "query", 'query Deep { product(id: "p1") { '
                          + "related { " * 20 + "id" + " }" * 21 + " }"),
        ("Typed", "mutation", 'query Typed { product(id: "p1") { id } }'),
    )
    result = subprocess.run([BFF, "pq", "check", str(path)], capture_output=True, timeout=60,
                            env={k: v for k, v in os.environ.items() if not k.startswith("BFF_")})
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert "ProductTeaser" in err and "Cannot query field 'colour' on type 'Product'" in err
    assert "Deep" in err and "MAX_DEPTH_LIMIT" in err
    assert "Typed" in err and "`type` says mutation but the operation is a query" in err
    assert "Title" not in err.replace("ProductTeaser", "")
    assert "Traceback" not in err


def test_check_refuses_a_file_that_is_not_a_manifest(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else", "version": 1, "operations": []}')
    assert main(["pq", "check", str(bad)]) == 2
    assert "`format` must be 'apollo-persisted-query-manifest'" in capsys.readouterr().err
    bad.write_text("{not json")
    assert main(["pq", "check", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_push_then_list_then_served_as_trusted(
    tmp_path: Path, redis_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    body = 'query Pushed { product(id: "p0007") { title } }'
    path = manifest(tmp_path / "m.json", ("Pushed", "query", body))
    assert main(["pq", "push", str(path)]) == 0
    assert "pushed 1 operations" in capsys.readouterr().err
    assert main(["pq", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    pushed_id = hashlib.sha256(body.encode()).hexdigest()
    assert f"{pushed_id} Pushed" in lines
    assert "6c41a4dfec98fe8c41743727ba2bfb9c93ca57873f9eb435342c2a131a337979 HomeScreen" in lines
    assert all(len(line.split(" ")) == 2 for line in lines)

    async def stored_ttl() -> int:
        client = Redis.from_url(SHARED_REDIS)
        try:
            ttl: int = await client.ttl(f"{redis_prefix}pq:manifest")
            return ttl
        finally:
            await client.aclose()

    assert asyncio.run(stored_ttl()) == -1


def test_list_apq_shows_registrations(redis_prefix: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from app.redis_client import connect
    from persisted_queries.store import RedisDocumentStore

    text = "query Registered { home { __typename } }"

    async def register() -> None:
        store = RedisDocumentStore(connect(SHARED_REDIS), prefix=redis_prefix, apq_ttl_s=60)
        await store.register(hashlib.sha256(text.encode()).hexdigest(), text)
        await store.aclose()

    asyncio.run(register())
    assert main(["pq", "list", "--apq"]) == 0
    assert f"{hashlib.sha256(text.encode()).hexdigest()} Registered (apq)" in (
        capsys.readouterr().out.splitlines())


def test_push_refuses_invalid_operations_and_needs_redis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = manifest(tmp_path / "m.json", ("ProductTeaser", "query", TEASER))
    assert main(["pq", "push", str(path)]) == 2
    assert "needs BFF_REDIS_URL" in capsys.readouterr().err
    prefix = f"bff-test-pqcli-{uuid.uuid4().hex[:10]}:"
    monkeypatch.setenv("BFF_REDIS_URL", SHARED_REDIS)
    monkeypatch.setenv("BFF_REDIS_KEY_PREFIX", prefix)
    assert main(["pq", "push", str(path)]) == 1
    err = capsys.readouterr().err
    assert "ProductTeaser" in err and "nothing pushed" in err

    async def keys() -> list[bytes]:
        client = Redis.from_url(SHARED_REDIS)
        try:
            return [key async for key in client.scan_iter(match=f"{prefix}*")]
        finally:
            await client.aclose()

    assert asyncio.run(keys()) == []


def test_list_works_without_redis_and_names_what_it_cannot_list(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pq", "list"]) == 0  # no BFF_REDIS_URL: the manifests are local files
    shipped = capsys.readouterr().out.splitlines()
    assert "6c41a4dfec98fe8c41743727ba2bfb9c93ca57873f9eb435342c2a131a337979 HomeScreen" \
        in shipped
    assert main(["pq", "list", "--apq"]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines() == shipped
    assert "cannot be listed" in captured.err
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    monkeypatch.setenv("BFF_REDIS_URL", f"redis://user:hunter2@127.0.0.1:{port}/0")
    assert main(["pq", "list"]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines() == shipped
    assert f"redis://user:***@127.0.0.1:{port}/0 is unreachable" in captured.err
    assert "hunter2" not in captured.err
    assert main(["pq", "push", str(SHIPPED_DIR / "contract.json")]) == 2
    assert f"redis://user:***@127.0.0.1:{port}/0 is unreachable" in capsys.readouterr().err
