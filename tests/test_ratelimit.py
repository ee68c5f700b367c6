"""The cost bucket against a real Redis: atomic under concurrency, refilled, refunded."""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.ratelimit import MemoryBuckets, RateLimiter, RedisBuckets, client_identity

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
def prefix() -> str:
    return f"bff-test-{uuid.uuid4().hex[:8]}:"


async def _cleanup(redis: Redis, prefix: str) -> None:
    keys = [key async for key in redis.scan_iter(f"{prefix}*")]
    if keys:
        await redis.delete(*keys)


async def test_concurrent_spending_never_overspends(redis: Redis, prefix: str) -> None:
    # A generous store timeout: this is about atomicity, not about a loaded machine's latency.
    limiter = RateLimiter(RedisBuckets(redis, 100, 0.001, prefix, timeout_s=5), 100, 0.001, True)
    try:
        decisions = await asyncio.gather(*(limiter.spend("user:u1", 7) for _ in range(60)))
        admitted = sum(7 for d in decisions if d.allowed)
        assert admitted == 98  # 14 x 7: never more than the bucket, no lost updates
        refused = [d for d in decisions if not d.allowed]
        assert all(d.retry_after_s >= 1 for d in refused)
    finally:
        await _cleanup(redis, prefix)


async def test_refill_and_retry_after(redis: Redis, prefix: str) -> None:
    limiter = RateLimiter(RedisBuckets(redis, 10, 20.0, prefix, timeout_s=5), 10, 20.0, True)
    try:
        assert (await limiter.spend("addr:1.2.3.4", 10)).allowed
        refused = await limiter.spend("addr:1.2.3.4", 10)
        assert not refused.allowed
        assert refused.retry_after_s == 1  # 10 points at 20/s: half a second, rounded up
        await asyncio.sleep(0.6)
        assert (await limiter.spend("addr:1.2.3.4", 10)).allowed
        assert (await limiter.spend("addr:5.6.7.8", 10)).allowed, "buckets are per client"
    finally:
        await _cleanup(redis, prefix)


async def test_refund_gives_back_the_unused_cost(redis: Redis, prefix: str) -> None:
    limiter = RateLimiter(RedisBuckets(redis, 100, 0.001, prefix, timeout_s=5), 100, 0.001, True)
    try:
        spent = await limiter.spend("user:u2", 80)
        assert spent.allowed and int(spent.available) == 20
        left = await limiter.refund("user:u2", 50)
        assert left is not None and 69.9 < left < 70.1
        assert (await limiter.spend("user:u2", 70)).allowed
        assert await limiter.refund("user:u2", 500) == 100  # never above the bucket
    finally:
        await _cleanup(redis, prefix)


async def test_redis_down_fails_open_or_closed_at_once() -> None:
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        for fail_open in (True, False):
            limiter = RateLimiter(RedisBuckets(dead, 10, 1.0, "x:"), 10, 1.0, fail_open)
            decision = await asyncio.wait_for(limiter.spend("user:u3", 5), timeout=2)
            assert decision.allowed is fail_open
    finally:
        await dead.aclose()


async def test_memory_buckets_behave_the_same() -> None:
    limiter = RateLimiter(MemoryBuckets(10, 0.001), 10, 0.001, True)
    results = [await limiter.spend("user:u4", 4) for _ in range(3)]
    assert [d.allowed for d in results] == [True, True, False]
    assert await limiter.refund("user:u4", 4) is not None
    assert (await limiter.spend("user:u4", 4)).allowed


def test_identity_prefers_the_user_then_a_trusted_forwarded_address() -> None:
    trusted = [ipaddress.ip_network("10.0.0.0/8")]
    assert client_identity("u1", "10.1.1.1", "9.9.9.9", trusted) == "user:u1"
    assert client_identity(None, "10.1.1.1", "9.9.9.9, 10.1.1.1", trusted) == "addr:9.9.9.9"
    assert client_identity(None, "8.8.8.8", "9.9.9.9", trusted) == "addr:8.8.8.8"
    assert client_identity(None, "10.1.1.1", None, trusted) == "addr:10.1.1.1"
    assert client_identity(None, "8.8.8.8", "9.9.9.9", []) == "addr:8.8.8.8"
