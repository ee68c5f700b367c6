"""Every cache call to Redis goes through a guard: a short timeout, a cool-down after a failure,
the failure counted, and one log line per burst.

The caches (response and entity) are speed-ups, never dependencies: a request
whose cache call fails is served from the upstreams as if the cache had missed.
After a failure the guard answers `CacheUnavailable` at once for `COOL_DOWN_S`,
so a dead or slow Redis costs each request nothing rather than a timeout each.
The first failure of a burst is logged as a warning and the first success
after it as "back"; the failures in between are only counted
(`bff_cache_requests_total{layer, result="error"}`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from app import metrics

T = TypeVar("T")

log = logging.getLogger("bff.cache")

CALL_TIMEOUT_S = 0.2
"""Bound on one cache call (the Redis client's own socket timeout is 0.25 s)."""
COOL_DOWN_S = 1.0


class CacheUnavailable(Exception):
    """The cache could not answer in time (Redis down, slow or refusing, or cooling down)."""


class Guard:
    """The failure state of one cache layer's Redis calls, for this process."""

    def __init__(self, layer: str, timeout_s: float = CALL_TIMEOUT_S) -> None:
        self.layer = layer
        self.timeout_s = timeout_s
        self._down_until = 0.0
        self._failing = False
        self._errors = metrics.CACHE_REQUESTS.labels(layer, "error")

    @property
    def cooling_down(self) -> bool:
        return time.monotonic() < self._down_until

    async def call(self, action: Callable[[], Awaitable[T]], count: int = 1) -> T:
        """Run one Redis call under the timeout; `CacheUnavailable` on any failure (counted
        `count` times: the cache requests it stood for)."""
        if time.monotonic() < self._down_until:
            self._errors.inc(count)
            raise CacheUnavailable(f"{self.layer} cache: redis is cooling down after a failure")
        try:
            async with asyncio.timeout(self.timeout_s):
                result = await action()
        except Exception as exc:  # any Redis failure or timeout: unavailable for a while
            self.failed(exc, count)
            raise CacheUnavailable(f"{self.layer} cache: redis: {type(exc).__name__}") from exc
        if self._failing:
            self._failing = False
            log.info("%s cache: redis answers again", self.layer)
        return result

    def failed(self, exc: BaseException, count: int = 1) -> None:
        self._errors.inc(count)
        self._down_until = time.monotonic() + COOL_DOWN_S
        if not self._failing:
            self._failing = True
            log.warning("%s cache: redis failed (%s); serving from the upstreams until it "
                        "answers again", self.layer, type(exc).__name__)
