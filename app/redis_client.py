"""One Redis connection pool per process, with short timeouts: Redis must never hang a request."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

SOCKET_TIMEOUT_S = 0.25


def connect(url: str) -> Any:
    """A client for a `redis://` or `rediss://` URL (RUNNING.md forms)."""
    return Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=SOCKET_TIMEOUT_S,
        health_check_interval=30,
    )
