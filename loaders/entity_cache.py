"""The entity cache: upstream answers kept in Redis between requests, per entity, shared by
every replica, in front of the services that tolerate it.

Which loaders, for how long (`BFF_ENTITY_CACHE_<NAME>_TTL_S`, 0: off; defaults and
limits in `app.settings.ENTITY_CACHE_TTLS`): catalog products, review summaries and
promotions (per segment, never per user), and prices and stock for seconds at most.
Never carts, orders, users or recommendations. It wraps a loader's batch function,
so the loader still batches and de-duplicates per request: of a batch of 20 ids with
15 cached, only the other 5 are asked for, in one call.

Entries are `(stored_at, record)` in msgpack under
`<prefix>ec:<service>:<version>:<key>`, `version` being a hash of the record's
shape: a release that changes a record never reads an old one. Redis keeps each for
its TTL plus `BFF_ENTITY_CACHE_STALE_S`. An entry past its TTL is never served as
fresh; within the stale window it backs an optional dependency (review summaries,
promotions) whose service fails: the stale value is served, no error is raised,
and the component is reported `{"status": "fallback", "source": "stale-cache"}` in
`extensions.degraded` (recorded in the request's `fallbacks`, which execution reads).
Stock is not served stale even though availability is optional: an old "in stock"
sells what is gone.

Redis failing is a miss for every key (counted `error`), never a failed field.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from app import errors, metrics
from app.redis_guard import CacheUnavailable, Guard
from app.settings import Settings
from app.tracing import RequestTrace
from loaders import records
from loaders.batching import Fetch

LAYER = "entity"


@dataclass(frozen=True, slots=True)
class Cacheable:
    service: str
    shape: Any
    fallback: bool
    """An optional dependency: stale entries back its service's failures."""


CACHEABLE: dict[str, Cacheable] = {
    "products": Cacheable("catalog", records.Product, False),
    "review_summaries": Cacheable("reviews", records.ReviewSummary, True),
    "promotions": Cacheable("promotions", list[records.Promotion], True),
    "prices": Cacheable("pricing", records.Price, False),
    "stock": Cacheable("inventory", records.Stock, False),
}
"""By loader (`loaders.Loaders` attribute)."""


class _Loader:
    """One cached loader's settings, key prefix and decoder."""

    __slots__ = ("cacheable", "decoder", "name", "prefix", "ttl_s")

    def __init__(self, name: str, cacheable: Cacheable, ttl_s: int, key_prefix: str) -> None:
        self.name = name
        shape = cacheable.shape
        version = hashlib.sha256(msgspec.json.encode(msgspec.json.schema(shape))).hexdigest()
        self.cacheable = cacheable
        self.ttl_s = ttl_s
        self.prefix = f"{key_prefix}ec:{cacheable.service}:{version[:12]}:"
        self.decoder: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(
            tuple[float, shape])  # type: ignore[valid-type]


class EntityCache:
    """For one process: wraps the batch functions of the cacheable loaders."""

    def __init__(self, client: Any, settings: Settings, guard: Guard | None = None) -> None:
        self._client = client
        self._guard = guard or Guard(LAYER)
        self._stale_s = settings.entity_cache_stale_s
        self._loaders = {
            name: _Loader(name, cacheable, ttl, settings.redis_key_prefix)
            for name, cacheable in CACHEABLE.items()
            if (ttl := settings.entity_cache_ttl_s.get(cacheable.service, 0)) > 0
        }
        self._mget = getattr(client, "mget_nonatomic", None) or client.mget  # cluster: per slot
        self._counts = {result: metrics.CACHE_REQUESTS.labels(LAYER, result)
                        for result in ("hit", "miss", "stale")}
        self._encoder = msgspec.msgpack.Encoder()

    def covers(self, loader: str) -> bool:
        return loader in self._loaders

    def wrap(self, loader: str, fetch: Fetch, fallbacks: set[str], trace: RequestTrace
             ) -> Fetch:
        """`fetch` with the cache in front; a stale fallback used is added to `fallbacks`,
        each lookup told to `trace`."""
        cached = self._loaders.get(loader)
        if cached is None:
            return fetch

        async def through_cache(keys: list[Any]) -> Sequence[Any]:
            return await self._load(cached, fetch, keys, fallbacks, trace)

        return through_cache

    async def _load(self, cached: _Loader, fetch: Fetch, keys: list[Any],
                    fallbacks: set[str], trace: RequestTrace) -> Sequence[Any]:
        names = [cached.prefix + _text(key) for key in keys]
        looked_up = time.time_ns()
        try:
            raws: list[Any] = await self._guard.call(lambda: self._mget(names), len(keys))
        except CacheUnavailable:
            trace.cache_lookup(cached.name, len(keys), None, looked_up)
            return await fetch(keys)
        now = time.time()
        outcomes: list[Any] = [None] * len(keys)
        missing: list[int] = []
        stale: dict[int, Any] = {}
        for index, raw in enumerate(raws):
            found = _decoded(cached.decoder, raw)
            if found is None:
                missing.append(index)
                continue
            stored_at, value = found
            age = now - stored_at
            if age <= cached.ttl_s:
                outcomes[index] = value
                continue
            missing.append(index)
            if cached.cacheable.fallback and age <= cached.ttl_s + self._stale_s:
                stale[index] = value
        self._counts["hit"].inc(len(keys) - len(missing))
        trace.cache_lookup(cached.name, len(keys), len(keys) - len(missing), looked_up)
        if not missing:
            return outcomes
        self._counts["miss"].inc(len(missing))
        try:
            fetched = await fetch([keys[index] for index in missing])
        except Exception as failure:  # a batch call's failure is every one of its keys'
            failure.__traceback__ = None
            fetched = [failure] * len(missing)
        writes: list[tuple[str, bytes]] = []
        fell_back = 0
        for index, outcome in zip(missing, fetched, strict=True):
            if isinstance(outcome, errors.DependencyError) and index in stale:
                outcomes[index] = stale[index]
                fell_back += 1
                continue
            outcomes[index] = outcome
            if outcome is not None and not isinstance(outcome, BaseException):
                writes.append((names[index], self._encoder.encode((now, outcome))))
        if fell_back:
            self._counts["stale"].inc(fell_back)
            fallbacks.add(cached.cacheable.service)
        if writes:
            await self._write(writes, cached.ttl_s + self._stale_s)
        return outcomes

    async def _write(self, writes: list[tuple[str, bytes]], ttl_s: int) -> None:
        async def send() -> None:
            pipe = self._client.pipeline(transaction=False)
            for name, raw in writes:
                pipe.set(name, raw, ex=ttl_s)
            await pipe.execute()

        try:
            await self._guard.call(send)
        except CacheUnavailable:
            return


def _text(key: Hashable) -> str:
    return key if isinstance(key, str) else repr(key)


def _decoded(decoder: msgspec.msgpack.Decoder[Any], raw: bytes | None) -> Any:
    if raw is None:
        return None
    try:
        return decoder.decode(raw)
    except msgspec.DecodeError:  # another format: a miss
        return None


def build_entity_cache(settings: Settings, redis: Any | None) -> EntityCache | None:
    """Only with Redis: without it, entities are not kept across requests (loaders are per
    request, DESIGN.md)."""
    if redis is None or not any(settings.entity_cache_ttl_s.values()):
        return None
    return EntityCache(redis, settings)
