"""Keeping the near-cache coherent: Redis tells this process about every change to a public
entry (server-assisted client-side caching, broadcast mode).

One connection of its own, in RESP2 (whatever the client's default): it asks for its
client id, turns tracking on for the public-entry prefix with its invalidation
messages redirected to itself
(`CLIENT TRACKING ON REDIRECT <own id> BCAST PREFIX <prefix>rc:p:`), and subscribes
to `__redis__:invalidate`. From then on Redis sends it the name of every key under
that prefix that any client writes or deletes, or that expires or is evicted (a
null for a flush). Broadcast mode costs Redis no memory per key read, and one
connection covers every key.

The near-cache is trusted only while this stream is up: it is emptied and
bypassed from the moment the connection fails (or stays silent past a ping)
until it is re-established, when it starts empty. Redis Cluster would need a
stream per primary; with a cluster URL the near-cache is off (each hit is one
round trip to Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from app.response_cache.near import NearCache

log = logging.getLogger("bff.cache")

CHANNEL = "__redis__:invalidate"
PING_S = 1.0
"""The stream is pinged when idle this long, and given up when silent twice as long."""
RETRY_S = (0.1, 0.5, 1.0, 2.0)


class Coherence:
    def __init__(self, client: Any, prefix: str, near: NearCache) -> None:
        self._client = client
        self._prefix = prefix
        self._near = near
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.connected.is_set():
                    failures = 0  # it had been up: a new burst
                if failures == 0:
                    log.warning("response cache: near-cache invalidation stream lost (%r); "
                                "hits go to redis until it is back", exc)
                failures += 1
            self.connected.clear()
            self._near.distrust()
            await asyncio.sleep(RETRY_S[min(failures, len(RETRY_S)) - 1])

    async def _listen(self) -> None:
        pool = self._client.connection_pool
        # RESP2 on this connection, whatever the client's default: invalidations then come as
        # plain pub/sub messages on the channel, read as replies (RESP3 would deliver them as
        # push frames to the client library's handlers).
        options = {key: value for key, value in pool.connection_kwargs.items()
                   if not key.startswith("maint_notifications") and key != "protocol"}
        connection = pool.connection_class(**options, protocol=2)
        try:
            await connection.connect()
            own_id = await self._command(connection, "CLIENT", "ID")
            await self._command(connection, "CLIENT", "TRACKING", "ON", "REDIRECT", own_id,
                                "BCAST", "PREFIX", self._prefix)
            await self._command(connection, "SUBSCRIBE", CHANNEL)
            self._near.trust()
            self.connected.set()
            log.info("response cache: near-cache invalidation stream connected")
            heard = time.monotonic()
            while True:
                message = await connection.read_response(timeout=PING_S,
                                                         disconnect_on_error=False)
                now = time.monotonic()
                if message is None:
                    if now - heard > 2 * PING_S:
                        raise ConnectionError("the invalidation stream went silent")
                    await connection.send_command("PING")
                    continue
                heard = now
                self._message(message)
        finally:
            with contextlib.suppress(Exception):
                await connection.disconnect()

    async def _command(self, connection: Any, *args: Any) -> Any:
        await connection.send_command(*args)
        return await connection.read_response(timeout=PING_S * 2)

    def _message(self, message: Any) -> None:
        """`[b"message", channel, [key, ...] | None]`; pongs and the like are ignored."""
        if not isinstance(message, list) or len(message) != 3 or message[0] != b"message":
            return
        keys = message[2]
        if keys is None:  # FLUSHDB / FLUSHALL
            self._near.clear()
            return
        for key in keys:
            self._near.invalidate(key.decode() if isinstance(key, bytes) else key)


def supported(client: Any) -> bool:
    """A client with one connection pool: a server, or a sentinel-managed master (not a
    cluster)."""
    return hasattr(client, "connection_pool")
