"""Cost-based rate limiting: a token bucket of cost points per client, shared in Redis.

Each query spends its requested cost up front and is refunded the difference
to its actual cost afterwards (Shopify's model). The bucket lives in Redis and
is updated by one Lua script, atomically and on Redis's clock, so any number
of replicas and concurrent requests share it exactly. Without Redis (the
embedded default) an in-process bucket stands behind the same interface.
Redis failing never hangs a request: the decision fails open (the default)
or closed, quickly, and is counted.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app import metrics

log = logging.getLogger("bff.ratelimit")

REDIS_BUDGET_S = 0.3
MEMORY_BUCKETS = 100_000

# KEYS[1] bucket; ARGV: capacity, restore rate per second, cost (negative: refund).
# Returns {allowed (0/1), points left as a string}.
_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'points', 'at')
local points = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
points = math.min(capacity, points + math.max(0, now - at) * rate)
local allowed = 0
if cost <= points then
  points = math.min(capacity, points - cost)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'points', tostring(points), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {allowed, tostring(points)}
"""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    available: float
    retry_after_s: int

    def throttle_status(self, capacity: int, rate: float) -> dict[str, Any]:
        """Shopify's `throttleStatus`, for `extensions.cost`."""
        return {
            "maximumAvailable": capacity,
            "currentlyAvailable": int(self.available),
            "restoreRate": rate,
        }


class Buckets(Protocol):
    async def take(self, identity: str, points: float) -> tuple[bool, float]: ...


class RedisBuckets:
    def __init__(
        self, redis: Any, capacity: int, rate: float, prefix: str,
        timeout_s: float = REDIS_BUDGET_S,
    ) -> None:
        self._script = redis.register_script(_SCRIPT)
        self._timeout_s = timeout_s
        self._capacity = capacity
        self._rate = rate
        self._prefix = prefix

    async def take(self, identity: str, points: float) -> tuple[bool, float]:
        async with asyncio.timeout(self._timeout_s):
            allowed, left = await self._script(
                keys=[f"{self._prefix}ratelimit:{identity}"],
                args=[self._capacity, self._rate, points],
            )
        return bool(int(allowed)), float(left)


class MemoryBuckets:
    """One process's buckets: only for the embedded default (no Redis, one instance)."""

    def __init__(self, capacity: int, rate: float) -> None:
        self._capacity = capacity
        self._rate = rate
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def take(self, identity: str, points: float) -> tuple[bool, float]:
        now = time.monotonic()
        left, at = self._buckets.pop(identity, (float(self._capacity), now))
        left = min(self._capacity, left + (now - at) * self._rate)
        allowed = points <= left
        if allowed:
            left = min(self._capacity, left - points)
        self._buckets[identity] = (left, now)
        if len(self._buckets) > MEMORY_BUCKETS:
            self._buckets.popitem(last=False)
        return allowed, left


class RateLimiter:
    def __init__(self, buckets: Buckets, capacity: int, rate: float, fail_open: bool) -> None:
        self.buckets = buckets
        self.capacity = capacity
        self.rate = rate
        self.fail_open = fail_open

    async def spend(self, identity: str, cost: int) -> Decision:
        """Take `cost` points, or say when they will be there."""
        try:
            allowed, left = await self.buckets.take(identity, cost)
        except Exception as exc:  # Redis down or slow: decide without it, at once
            metrics.RATE_LIMIT_ERRORS.inc()
            log.warning("rate limit store failed", extra={"error": type(exc).__name__})
            return Decision(self.fail_open, float(self.capacity), 0 if self.fail_open else 1)
        if allowed:
            return Decision(True, left, 0)
        wait = math.ceil((min(cost, self.capacity) - left) / self.rate) if self.rate else 3600
        return Decision(False, left, max(1, wait))

    async def refund(self, identity: str, points: int) -> float | None:
        """Give back what the query did not use; the points now available, if known."""
        if points <= 0:
            return None
        try:
            _, left = await self.buckets.take(identity, -points)
        except Exception:
            metrics.RATE_LIMIT_ERRORS.inc()
            return None
        return left


def client_identity(
    user_id: str | None,
    peer: str | None,
    forwarded_for: str | None,
    trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> str:
    """The user when signed in, else the client's address (X-Forwarded-For's left-most
    entry only when the direct peer is a trusted proxy)."""
    if user_id is not None:
        return f"user:{user_id}"
    address = peer or "unknown"
    if forwarded_for and peer and _is_trusted(peer, trusted):
        first = forwarded_for.split(",", 1)[0].strip()
        if first:
            address = first
    return f"addr:{address}"


def _is_trusted(
    peer: str, trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in trusted)
