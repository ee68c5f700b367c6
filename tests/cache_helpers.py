"""What the cache tests share: the machine's Redis under a key prefix of each test's own,
a BFF with the caches on, upstream call counts, and `bff serve` processes."""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import redis

from demo.server import DemoServer
from tests.conftest import SHARED_REDIS
from tests.servers import BffServer, Demo, start_bff
from tests.test_cli import BFF, clean_env, free_port, running, wait_ready

GET_HEADERS = {"Apollo-Require-Preflight": "true"}
NO_ENTITY_CACHE = {"catalog": 0, "reviews": 0, "promotions": 0}
"""Upstream call counts then show every execution."""


def new_prefix() -> str:
    return f"bff-test-cache-{uuid.uuid4().hex[:10]}:"


def delete_prefix(prefix: str, url: str = SHARED_REDIS) -> None:
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        keys = list(client.scan_iter(f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def cached_bff(demo_server: DemoServer, prefix: str, **settings: Any) -> BffServer:
    settings.setdefault("redis_url", SHARED_REDIS)
    settings.setdefault("entity_cache_ttl_s", NO_ENTITY_CACHE)
    return start_bff(demo_server, redis_key_prefix=prefix, **settings)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted_params(query: str, variables: dict[str, Any] | None = None,
                     operation_name: str | None = None) -> dict[str, str]:
    params = {"extensions": json.dumps({"persistedQuery": {"version": 1,
                                                           "sha256Hash": sha(query)}})}
    if variables is not None:
        params["variables"] = json.dumps(variables)
    if operation_name is not None:
        params["operationName"] = operation_name
    return params


def calls(demo: Demo, service: str) -> int:
    return sum(n for key, n in demo.calls().items() if key.split(" ", 1)[0] == service)


def metric(base_url: str, name: str, **labels: str) -> float:
    """A counter's value from /metrics (0 when the series is absent)."""
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and line.split("}")[0][len(name) + 1:] == wanted:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """`bff serve` as a process of its own; its base URL. Stopped by PID."""
    port = free_port()
    with running([BFF, "serve", "--port", str(port)], clean_env(**env)) as process:
        wait_ready(f"http://127.0.0.1:{port}/readyz", process, 30)
        yield f"http://127.0.0.1:{port}"


def process_env(demo_server: DemoServer, prefix: str, **extra: str) -> dict[str, str]:
    return {**demo_server.upstream_env(), "BFF_REDIS_URL": SHARED_REDIS,
            "BFF_REDIS_KEY_PREFIX": prefix, "BFF_ENTITY_CACHE_CATALOG_TTL_S": "0",
            "BFF_ENTITY_CACHE_REVIEWS_TTL_S": "0", "BFF_ENTITY_CACHE_PROMOTIONS_TTL_S": "0",
            **extra}
