"""The `bff` command as operators run it: real processes, stopped by PID."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import jwt
import pytest

from demo.server import DemoServer
from tests.servers import Demo, start_bff

BFF = str(Path(sys.executable).with_name("bff"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    env.update(extra)
    return env


@contextmanager
def running(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """The process's stderr goes to a file, read from its start by `process.stderr`: a
    pipe nobody reads would stop the server once a few thousand request lines fill it."""
    with tempfile.NamedTemporaryFile(prefix="bff-stderr-") as written, \
            open(written.name, "rb") as said:
        process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=written)
        process.stderr = said
        try:
            yield process
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:  # a failed test: SIGTERM first, so workers stop with it
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never became ready")


def test_serve_embedded_default_then_sigterm_exits_zero() -> None:
    port = free_port()
    with running([BFF, "serve", "--port", str(port)], clean_env(BFF_MAX_COSTS="9")) as process:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/readyz", process)
        body = httpx.post(f"{base}/graphql", json={"query": "{ product(id: \"p0001\") "
                                                   "{ title price { amount } } }"}).json()
        assert body["data"]["product"]["title"]
        assert body["data"]["product"]["price"]["amount"] > 0
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(15) == 0
        stderr = process.stderr.read().decode() if process.stderr else ""
        assert "embedded demo upstreams" in stderr
        assert "in-memory stores" in stderr
        assert "BFF_MAX_COSTS is not a setting of this server" in stderr


def test_serve_says_when_its_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([BFF, "serve", "--port", str(port)], env=clean_env(),
                                capture_output=True, timeout=30)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}".encode() in result.stderr
    assert b"Traceback" not in result.stderr
    assert b"embedded demo upstreams" not in result.stderr  # nothing started


def test_serve_refuses_bad_settings_naming_the_variable() -> None:
    result = subprocess.run([BFF, "serve"], env=clean_env(BFF_PORT="eighty"),
                            capture_output=True, timeout=30)
    assert result.returncode == 2
    assert b"BFF_PORT" in result.stderr
    assert b"Traceback" not in result.stderr


def _conflicting_manifest(tmp_path: Path) -> Path:
    """A manifest that gives a shipped operation's id to another document."""
    from persisted_queries.manifest import SHIPPED_DIR, read_manifest

    shipped = read_manifest(SHIPPED_DIR / "contract.json")[0]
    path = tmp_path / "conflict.json"
    path.write_text(json.dumps({
        "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{"id": shipped.id, "name": "Other", "type": "query",
                        "body": "query Other { __typename }"}],
    }))
    return path


def test_serve_refuses_a_manifest_reusing_a_shipped_id(tmp_path: Path) -> None:
    path = _conflicting_manifest(tmp_path)
    result = subprocess.run(
        [BFF, "serve", "--port", str(free_port())],
        env=clean_env(BFF_PERSISTED_QUERY_MANIFESTS=str(path)), capture_output=True, timeout=30)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert b"BFF_PERSISTED_QUERY_MANIFESTS" in result.stderr
    assert b"names two different documents" in result.stderr
    check = subprocess.run([BFF, "pq", "check", str(path)], env=clean_env(),
                           capture_output=True, timeout=60)
    assert check.returncode == 1
    assert b"names two different documents" in check.stderr


def test_serve_with_redis_on_a_closed_port_says_so_and_serves() -> None:
    port, closed = free_port(), free_port()
    url = f"redis://user:hunter2@127.0.0.1:{closed}/0"
    with running([BFF, "serve", "--port", str(port)], clean_env(BFF_REDIS_URL=url)) as process:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/healthz", process)
        assert httpx.get(f"{base}/readyz").status_code == 503
        body = httpx.post(f"{base}/graphql",
                          json={"query": '{ product(id: "p0001") { title } }'}).json()
        assert body["data"]["product"]["title"]
        os.kill(process.pid, signal.SIGTERM)
        process.wait(20)
        assert process.stderr is not None
        said = process.stderr.read().decode()
    assert f"BFF_REDIS_URL=redis://user:***@127.0.0.1:{closed}/0 does not answer" in said
    assert "hunter2" not in said and "Traceback" not in said


def test_demo_upstreams_alone_and_a_bff_pointed_at_them() -> None:
    demo_port, bff_port = free_port(), free_port()
    demo_args = [BFF, "demo-upstreams", "--port", str(demo_port)]
    with running(demo_args, clean_env()) as demo:
        wait_ready(f"http://127.0.0.1:{demo_port}/__demo/health", demo)
        urls = {
            f"BFF_UPSTREAM_{name.upper()}_URL": f"http://127.0.0.1:{demo_port}/{name}"
            for name in ("users", "catalog", "pricing", "inventory", "reviews",
                         "recommendations", "cart", "orders", "promotions", "shipping")
        }
        env = clean_env(**urls, BFF_PORT=str(bff_port), BFF_LOG_FORMAT="json")
        with running([BFF, "serve", "--workers", "2"], env) as bff:
            wait_ready(f"http://127.0.0.1:{bff_port}/readyz", bff)
            for _ in range(20):
                body = httpx.post(f"http://127.0.0.1:{bff_port}/graphql",
                                  json={"query": "{ home { promotions { id } } }"}).json()
                assert body["data"]["home"]["promotions"]
            scraped = httpx.get(f"http://127.0.0.1:{bff_port}/metrics").text
            served = sum(float(line.rsplit(" ", 1)[1]) for line in scraped.splitlines()
                         if line.startswith("bff_requests_total{"))
            assert served == 20, "one scrape counts every worker's requests"
            os.kill(bff.pid, signal.SIGTERM)
            assert bff.wait(15) == 0
            logs = bff.stderr.read().decode() if bff.stderr else ""
            assert '"request_id"' in logs and '"document_hash"' in logs
            assert "embedded" not in logs
        os.kill(demo.pid, signal.SIGTERM)
        assert demo.wait(15) == 0


def test_cost_prints_the_breakdown_per_field() -> None:
    from tests.contract_check import CONTRACT

    result = subprocess.run(
        [BFF, "cost", "--file", str(CONTRACT / "operations" / "ProductPage.graphql"),
         "--variables", '{"id": "p0001", "postcode": "10115"}'],
        env=clean_env(), capture_output=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert any(line.split()[:4] == ["product.related", "1", "4", "9"] for line in lines)
    assert lines[-1].split()[:2] == ["TOTAL", "21"]


def test_cost_fails_for_expensive_or_invalid_queries() -> None:
    expensive = subprocess.run(
        [BFF, "cost", '{ search(query: "x", first: 50) { edges { node { related(first: 12) '
         '{ related(first: 12) { price { amount } } } } } } }'],
        env=clean_env(), capture_output=True, timeout=60,
    )
    assert expensive.returncode == 1
    assert b"OVER the limit" in expensive.stdout
    invalid = subprocess.run([BFF, "cost", "{ nope }"], env=clean_env(), capture_output=True,
                             timeout=60)
    assert invalid.returncode == 1
    assert b"GRAPHQL_VALIDATION_FAILED" in invalid.stderr


@pytest.mark.parametrize(("argv", "said"), [
    (["--file", "/nonexistent/query.graphql"], b"cannot read --file /nonexistent/query.graphql"),
    (["--file", "/tmp"], b"cannot read --file /tmp: Is a directory"),
    (['{ product(id: "p1") { title } }', "--variables", "[1]"],
     b"--variables must be a JSON object"),
    (['{ product(id: "p1") { title } }', "--variables", "{nope"],
     b"--variables is not valid JSON"),
])
def test_cost_mistakes_get_one_line_not_a_traceback(argv: list[str], said: bytes) -> None:
    result = subprocess.run([BFF, "cost", *argv], env=clean_env(), capture_output=True,
                            timeout=60)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert said in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_cost_names_the_flag_to_use() -> None:
    two = subprocess.run(
        [BFF, "cost", "query A { home { promotions { id } } } query B { viewer { id } }"],
        env=clean_env(), capture_output=True, timeout=60)
    assert two.returncode == 1 and b"--operation-name NAME" in two.stderr
    wrong = subprocess.run(
        [BFF, "cost", 'query A($n: Int) { search(query: "x", first: $n) { totalCount } }',
         "--variables", '{"n": "x"}'], env=clean_env(), capture_output=True, timeout=60)
    assert wrong.returncode == 1 and b"--variables" in wrong.stderr


def test_offline_commands_run_in_production_without_its_secrets() -> None:
    from tests.contract_check import CONTRACT

    production = clean_env(BFF_ENV="production")
    for argv in (["cost", '{ product(id: "p1") { title } }'],
                 ["pq", "check", "persisted_queries/manifests/contract.json"],
                 ["schema", "check", str(CONTRACT / "schema.graphql")]):
        result = subprocess.run([BFF, *argv], env=production, capture_output=True, timeout=60,
                                cwd=Path(__file__).resolve().parents[1])
        assert result.returncode == 0, (argv, result.stderr)
        assert b"BFF_SERVICE_TOKEN" not in result.stderr
    serve = subprocess.run([BFF, "serve", "--port", str(free_port())], env=production,
                           capture_output=True, timeout=30)
    assert serve.returncode == 2
    assert b"BFF_SERVICE_TOKEN" in serve.stderr and b"BFF_JWT_SECRET" in serve.stderr


def test_version() -> None:
    result = subprocess.run([BFF, "--version"], env=clean_env(), capture_output=True, timeout=30)
    assert result.returncode == 0
    assert result.stdout.decode().startswith("bff ") and result.stdout.strip() != b"bff unknown"


def test_token_is_accepted_by_the_server(demo_server: DemoServer, demo: Demo) -> None:
    secret = "cli-token-secret-at-least-32-bytes-long"
    settings = {"BFF_JWT_SECRET": secret, "BFF_JWT_ISSUER": "https://id.test",
                "BFF_JWT_AUDIENCE": "storefront"}
    result = subprocess.run(
        [BFF, "token", "--sub", "u0007", "--ttl", "600", "--claim", "role=tester",
         "--claim", "beta=true"],
        env=clean_env(**settings), capture_output=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.decode().strip()
    assert "\n" not in token, "stdout is the token alone"
    claims = jwt.decode(token, secret, algorithms=["HS256"], audience="storefront")
    assert (claims["sub"], claims["role"], claims["beta"]) == ("u0007", "tester", True)
    assert claims["exp"] - claims["iat"] == 600
    server = start_bff(demo_server, jwt_secret=secret,
                       jwt_issuer="https://id.test", jwt_audience="storefront")
    try:
        response = httpx.post(server.url, json={"query": "{ viewer { id } }"},
                              headers={"Authorization": f"Bearer {token}"}, timeout=10)
    finally:
        server.stop()
    assert response.json() == {"data": {"viewer": {"id": "u0007"}},
                               "extensions": response.json()["extensions"]}


def test_token_is_refused_in_production_and_for_unusable_subjects() -> None:
    production = subprocess.run(
        [BFF, "token", "--sub", "u0001"],
        env=clean_env(BFF_ENV="production", BFF_SERVICE_TOKEN="s", BFF_JWT_SECRET="p"),
        capture_output=True, timeout=60,
    )
    assert production.returncode == 2
    assert production.stdout == b""
    assert b"BFF_ENV=production" in production.stderr
    for args in (["--sub", "us\u00e9r"], ["--sub", "u1", "--claim", "exp=1"],
                 ["--sub", "u1", "--claim", "novalue"], ["--sub", "u1", "--ttl", "0"]):
        refused = subprocess.run([BFF, "token", *args], env=clean_env(), capture_output=True,
                                 timeout=60)
        assert refused.returncode == 2, args
        assert refused.stdout == b"" and b"Traceback" not in refused.stderr, args


CONTRACT_COSTS = {"SearchResults": (101, ["query"]), "ProductPage": (21, ["id", "postcode"]),
                  "HomeScreen": (23, []), "CartView": (42, []), "AddToCart": (1, ["input"]),
                  "RemoveFromCart": (1, ["input"])}


def test_cost_of_each_contract_operation_file_without_variables() -> None:
    """As the README gives them; variables without a default that size nothing are named
    as ignored (`$first` has a default, 20: the server's own figure)."""
    from tests.contract_check import CONTRACT

    for name, (total, ignored) in CONTRACT_COSTS.items():
        result = subprocess.run(
            [BFF, "cost", "--file", str(CONTRACT / "operations" / f"{name}.graphql")],
            env=clean_env(), capture_output=True, timeout=60,
        )
        assert result.returncode == 0, (name, result.stderr)
        lines = result.stdout.decode().splitlines()
        totals = [line for line in lines if line.startswith("TOTAL")]
        assert totals and totals[0].split()[:2] == ["TOTAL", str(total)], (name, lines)
        named = [line.split(":")[0].strip() for line in lines if line.startswith("  $")]
        assert named == [f"${v}" for v in ignored], (name, lines)
        assert all("ignored" in line for line in lines if line.startswith("  $")), lines


def _in_flight_by_worker(folder: Path, supervisor: int) -> dict[int, float]:
    """Each live worker's `bff_in_flight_requests`, read from its multiprocess file (the
    supervisor, which imports the metrics too, serves nothing)."""
    from prometheus_client.mmap_dict import MmapedDict

    found: dict[int, float] = {}
    for path in folder.glob("gauge_livesum_*.db"):
        if path.stem.endswith(f"_{supervisor}"):
            continue
        try:
            values = list(MmapedDict.read_all_values_from_file(str(path)))
        except FileNotFoundError:  # marked dead meanwhile
            continue
        found[int(path.stem.rsplit("_", 1)[1])] = sum(value for _, value, _, _ in values)
    return found


def _until(condition: Callable[[], bool], what: str, seconds: float = 30) -> None:
    """Poll for something another process does; the bound only says it did not hang."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_worker_that_dies_has_its_live_gauges_marked_dead(tmp_path: Path) -> None:
    """Requests hang in both workers; one worker is killed (SIGKILL: no clean-up of its
    own). The supervisor replaces it and marks it dead: its requests in flight no longer
    count, the survivor's still do, and its counters stay."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    demo_port, bff_port = free_port(), free_port()
    demo_url = f"http://127.0.0.1:{demo_port}"
    with running([BFF, "demo-upstreams", "--port", str(demo_port)], clean_env()) as demo:
        wait_ready(f"{demo_url}/__demo/health", demo)
        httpx.put(f"{demo_url}/__demo/faults", json={
            "service": "reviews", "mode": "hang", "hang_s": 60}).raise_for_status()
        urls = {f"BFF_UPSTREAM_{name.upper()}_URL": f"{demo_url}/{name}"
                for name in ("users", "catalog", "pricing", "inventory", "reviews",
                             "recommendations", "cart", "orders", "promotions", "shipping")}
        env = clean_env(**urls, BFF_PORT=str(bff_port), PROMETHEUS_MULTIPROC_DIR=str(folder),
                        BFF_MAX_TIMEOUT_MS="60000", BFF_UPSTREAM_REVIEWS_TIMEOUT_MS="60000")
        base = f"http://127.0.0.1:{bff_port}"
        with running([BFF, "serve", "--workers", "2"], env) as bff:
            wait_ready(f"{base}/readyz", bff)
            _until(lambda: len(_in_flight_by_worker(folder, bff.pid)) == 2, "both workers up")

            def hang() -> None:
                with contextlib.suppress(httpx.HTTPError):  # its worker may be killed
                    httpx.post(f"{base}/graphql", timeout=60,
                               headers={"x-request-timeout-ms": "60000"},
                               json={"query": '{ product(id: "p0001") { rating { count } } }'})

            threads = [threading.Thread(target=hang) for _ in range(6)]
            for thread in threads:
                thread.start()
            _until(lambda: sum(_in_flight_by_worker(folder, bff.pid).values()) == 6, "6 in flight")
            by_worker = _in_flight_by_worker(folder, bff.pid)
            victim = max(by_worker, key=lambda pid: by_worker[pid])
            survivors = sum(v for pid, v in by_worker.items() if pid != victim)
            assert (folder / f"counter_{victim}.db").exists()
            os.kill(victim, signal.SIGKILL)
            _until(lambda: not (folder / f"gauge_livesum_{victim}.db").exists()
                   and not (folder / f"gauge_livemax_{victim}.db").exists(),
                   "the dead worker's live gauges dropped")
            _until(lambda: len(_in_flight_by_worker(folder, bff.pid)) == 2,
                   "a new worker took over")
            scraped = httpx.get(f"{base}/metrics", timeout=10).text
            in_flight = next(float(line.rsplit(" ", 1)[1]) for line in scraped.splitlines()
                             if line.startswith("bff_in_flight_requests "))
            assert in_flight == survivors, scraped
            assert (folder / f"counter_{victim}.db").exists(), "what it counted stays"
            httpx.delete(f"{demo_url}/__demo/faults").raise_for_status()  # release the rest
            for thread in threads:
                thread.join(60)
            os.kill(bff.pid, signal.SIGTERM)
            assert bff.wait(30) == 0
        os.kill(demo.pid, signal.SIGTERM)
        assert demo.wait(15) == 0
