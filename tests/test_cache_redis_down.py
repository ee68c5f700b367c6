"""Redis trouble is never an outage for the caches: a redis-server of this test's own is
killed mid-run (SIGKILL) and started again on the same port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from demo.server import DemoServer
from tests.cache_helpers import metric, persisted_params
from tests.conftest import make_token, operation
from tests.servers import Demo, start_bff
from tests.test_cli import free_port


class OwnRedis:
    """A redis-server on a free port, stopped by PID; `start` again on the same port."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.kill()


def test_requests_are_answered_while_redis_is_killed_and_back(
    demo_server: DemoServer, demo: Demo, own_redis: OwnRedis
) -> None:
    bff = start_bff(demo_server, redis_url=own_redis.url, cache_private=True,
                    entity_cache_ttl_s={"catalog": 60, "reviews": 60})
    http = httpx.Client(timeout=10, headers={"Apollo-Require-Preflight": "true"})
    search = operation("SearchResults")
    home = operation("HomeScreen")
    me = {"Authorization": f"Bearer {make_token('u0001')}"}
    variables = {"query": "lamp", "first": 5}

    def search_get() -> httpx.Response:
        return http.get(bff.url, params=persisted_params(search, variables))

    def ready() -> int:
        return http.get(bff.base_url + "/readyz").status_code

    try:
        assert ready() == 200
        expected = search_get()
        assert expected.headers["x-cache"] == "MISS"
        assert search_get().headers["x-cache"] == "HIT"
        my_home = http.post(bff.url, json={"query": home}, headers=me)
        assert my_home.headers["x-cache"] == "MISS"

        own_redis.kill()
        started = time.monotonic()
        assert ready() == 503
        for _ in range(5):  # near-cache dropped with the stream; every answer still right
            answer = search_get()
            assert answer.status_code == 200
            assert answer.json()["data"] == expected.json()["data"]
            assert answer.headers.get("x-cache") in ("HIT", "MISS")
            fresh = http.post(bff.url, json={"query": search, "variables": {
                "query": "desk", "first": 3}})
            assert fresh.status_code == 200 and "errors" not in fresh.json()
            mine = http.post(bff.url, json={"query": home}, headers=me).json()
            assert "errors" not in mine and mine["data"]["home"]["viewer"]["id"] == "u0001"
            cart = http.post(bff.url, json={"query": operation("AddToCart"), "variables": {
                "input": {"productId": "p0007", "quantity": 1,
                          "idempotencyKey": uuid.uuid4().hex}}}, headers=me)
            assert cart.json()["data"]["addToCart"]["cart"] is not None
        assert time.monotonic() - started < 5, "nothing waited on the dead Redis"
        assert metric(bff.base_url, "bff_cache_requests_total", layer="response",
                      result="error") > 0
        assert metric(bff.base_url, "bff_cache_requests_total", layer="entity",
                      result="error") > 0

        own_redis.start()  # empty, on the same port
        deadline = time.monotonic() + 15
        while ready() != 200:
            assert time.monotonic() < deadline, "never ready again"
            time.sleep(0.1)
        while (again := search_get()).headers.get("x-cache") != "MISS":
            assert time.monotonic() < deadline, "the cache never came back"
            time.sleep(0.2)
        while search_get().headers.get("x-cache") != "HIT":
            assert time.monotonic() < deadline, "the cache never came back"
            time.sleep(0.2)
        assert again.json()["data"] == expected.json()["data"]
    finally:
        http.close()
        bff.stop()
