"""Lookups, stores, stale-while-revalidate and invalidation, for one process.

A lookup looks in the near-cache (public keys; no await at all), then joins an
execution or lookup of the same key already in flight in this process (single
flight: fifty concurrent cold requests for one key make one lookup and one
execution here, and at most one per replica), then asks the store. The request
that finds nothing leads: it executes, and `store` hands its entry to the
requests waiting on it before writing it to the store; `release` (always called)
lets them go on their own when the leader had nothing to store.

A stale public entry is served (`X-Cache: STALE`) while one request revalidates
it in the background: one per key in this process, and one across replicas (a
short Redis lock; a replica that does not get it keeps serving the stale entry
until the new one replaces it).

Redis trouble is never an outage: a lookup that fails is a miss, a store that
fails is skipped, and both are counted (`app.redis_guard`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLSchema

from app import metrics
from app.cache_policy import PRIVATE_MAX_AGE_S, Freshness
from app.deadline import Deadline
from app.redis_guard import CacheUnavailable, Guard
from app.response_cache import coherence, keys
from app.response_cache.entry import FRESH, Entry
from app.response_cache.entry import STALE as STALE_STATE
from app.response_cache.keys import Key
from app.response_cache.near import NearCache
from app.response_cache.stores import MemoryStore, RedisStore, Store
from app.settings import Settings
from planner.plan import Plan

log = logging.getLogger("bff.cache")

HIT, MISS, STALE = "HIT", "MISS", "STALE"
"""`X-Cache` values (HTTP.md)."""
LAYER = "response"
LOCK_GRACE_MS = 1000
MAX_ALIASES = 4096
MAX_ALIAS_BYTES = 4096

Refill = Callable[[], Awaitable[tuple[bytes, str, Freshness] | None]]
"""Executes the operation again, for a revalidation: its shared bytes, ETag and
freshness, or None when the answer may not be stored."""


@dataclass(frozen=True, slots=True)
class Alias:
    """A public entry as named by the raw query string of an anonymous persisted GET."""

    name: str
    label: str | None
    document_hash: str


@dataclass(slots=True)
class Lookup:
    """What a lookup found. `state`: HIT or STALE with an entry, MISS without one.

    A MISS's `flight`, when set, is this request's lead of the key: others wait on it.
    `generation` is a private key's, as the lookup saw it (stores check it)."""

    entry: Entry | None
    state: str
    generation: str | None = None
    flight: asyncio.Future[Entry | None] | None = None


class ResponseCache:
    def __init__(self, store: Store, version: str, settings: Settings,
                 near: NearCache | None = None, stream: coherence.Coherence | None = None
                 ) -> None:
        self.entries = store
        self.version = version
        self.near = near
        self.local = near if near is not None else store.local
        """Public entries kept in this process (near-cache, or the memory store), if any."""
        self._aliases: OrderedDict[bytes, Alias] = OrderedDict()
        self._stream = stream
        self._cache_private = settings.cache_private
        self._stale_s = settings.response_cache_stale_s
        self._lock_ms = settings.max_timeout_ms + LOCK_GRACE_MS
        self._flights: dict[Key, asyncio.Future[Entry | None]] = {}
        self._revalidating: set[Key] = set()
        self._tasks: set[asyncio.Future[Any]] = set()
        self._counts = {result: metrics.CACHE_REQUESTS.labels(LAYER, result.lower())
                        for result in (HIT, MISS, STALE)}

    def key(self, document_hash: str, operation_name: str | None,
            variables: Mapping[str, Any], plan: Plan, user_id: str | None) -> Key | None:
        key = keys.make_key(self.version, document_hash, operation_name, variables, plan,
                            user_id, cache_private=self._cache_private)
        if key is not None and key.user is not None and not self.entries.shared:
            return None  # per-user answers are kept in Redis or not at all
        return key

    def entry(self, body: bytes, etag: str, freshness: Freshness) -> Entry:
        return Entry.create(body, etag, freshness, self._stale_s)

    def learn(self, query_string: bytes, key: Key, label: str | None, document_hash: str
              ) -> None:
        """Remember that this anonymous persisted GET's query string names `key` (public), so
        that the next one can be answered from `local` without decoding it (`fast`)."""
        if self.local is None or key.user is not None or len(query_string) > MAX_ALIAS_BYTES:
            return
        if query_string not in self._aliases:
            self._aliases[query_string] = Alias(self.entries.name(key), label, document_hash)
            if len(self._aliases) > MAX_ALIASES:
                self._aliases.popitem(last=False)

    def fast(self, query_string: bytes, now: float) -> tuple[Entry, Alias] | None:
        """A fresh public entry kept in process, by a learned query string."""
        alias = self._aliases.get(query_string)
        if alias is None or self.local is None:
            return None
        entry = self.local.get(alias.name, now)
        if entry is None or entry.state(now) != FRESH:
            return None
        self._counts[HIT].inc()
        return entry, alias

    async def lookup(self, key: Key, deadline: Deadline) -> Lookup:
        near = self.near
        if near is not None and key.user is None:
            found = near.get(self.entries.name(key), time.time())
            if found is not None:
                return self._found(key, found, None)
        flight = self._flights.get(key)
        if flight is not None:
            return await self._follow(key, flight, deadline)
        flight = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        try:
            entry, generation = await self._read(key)
        except BaseException:
            self._settle(key, flight, None)
            raise
        if entry is not None:
            self._settle(key, flight, entry)
            return self._found(key, entry, generation)
        self._counts[MISS].inc()
        return Lookup(None, MISS, generation, flight)

    async def store(self, key: Key, lookup: Lookup, entry: Entry) -> None:
        """Hand `entry` to the requests waiting on this one, then write it."""
        if lookup.flight is not None:
            self._settle(key, lookup.flight, entry)
        await self._write(key, entry, lookup.generation)

    def release(self, key: Key, lookup: Lookup) -> None:
        """The leader is done: whoever still waits goes on alone (nothing was stored)."""
        if lookup.flight is not None:
            self._settle(key, lookup.flight, None)

    def revalidate(self, key: Key, refill: Refill) -> None:
        """Refresh a stale public entry in the background, once per key here and across
        replicas."""
        if key.user is not None or key in self._revalidating:
            return
        self._revalidating.add(key)
        task = asyncio.ensure_future(self._revalidate(key, refill))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def invalidate_user(self, user_id: str) -> None:
        """Drop every private entry of this user (after a change to their data)."""
        try:
            await self.entries.invalidate_user(keys.user_scope(user_id))
        except CacheUnavailable as exc:
            log.warning("response cache: private entries of a user not invalidated: %s", exc)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._stream is not None:
            await self._stream.aclose()

    # -------------------------------------------------------------------------------------

    def _found(self, key: Key, entry: Entry, generation: str | None) -> Lookup:
        state = HIT if entry.state(time.time()) == FRESH else STALE
        self._counts[state].inc()
        return Lookup(entry, state, generation)

    async def _follow(self, key: Key, flight: asyncio.Future[Entry | None],
                      deadline: Deadline) -> Lookup:
        """Wait for the request already looking up (or executing) this key."""
        try:
            entry = await asyncio.wait_for(asyncio.shield(flight),
                                           max(deadline.remaining_s(), 0.0))
        except TimeoutError:
            entry = None
        if entry is None:
            self._counts[MISS].inc()
            return Lookup(None, MISS)  # the leader had nothing to share: on its own
        return self._found(key, entry, None)

    async def _read(self, key: Key) -> tuple[Entry | None, str | None]:
        near = self.near if key.user is None else None
        name = self.entries.name(key)
        token = near.begin(name) if near is not None else 0
        entry: Entry | None = None
        generation: str | None = None
        try:
            entry, generation = await self.entries.get(key)
        except CacheUnavailable:
            return None, None
        finally:
            if near is not None:
                near.fill(name, token, entry)
        if entry is not None and entry.state(time.time()) not in (FRESH, STALE_STATE):
            entry = None  # expired, not yet removed by Redis
        if entry is not None and entry.private and key.user is None:
            entry = None  # never a private answer under a public key
        return entry, generation

    async def _write(self, key: Key, entry: Entry, generation: str | None) -> None:
        try:
            await self.entries.put(key, entry, generation)
        except CacheUnavailable as exc:
            log.debug("response cache: entry not stored: %s", exc)

    def _settle(self, key: Key, flight: asyncio.Future[Entry | None],
                entry: Entry | None) -> None:
        if not flight.done():
            flight.set_result(entry)
        if self._flights.get(key) is flight:
            del self._flights[key]

    async def _revalidate(self, key: Key, refill: Refill) -> None:
        try:
            if not await self.entries.lock(key, self._lock_ms):
                return  # another replica is at it
            fresh = await refill()
            if fresh is not None:
                body, etag, freshness = fresh
                if not freshness.private:
                    await self._write(key, self.entry(body, etag, freshness), None)
        except CacheUnavailable:
            return
        except Exception:
            log.exception("response cache: revalidation failed")
        finally:
            self._revalidating.discard(key)


def build_cache(settings: Settings, schema: GraphQLSchema, redis: Any | None
                ) -> ResponseCache | None:
    """The response cache the settings ask for (None: off); Redis when configured, else a
    memory store for this process (public answers only), which start-up names."""
    if not settings.response_cache_enabled:
        return None
    version = keys.fingerprint(schema, settings.max_cost)
    if redis is None:
        log.warning("response cache: in memory (no BFF_REDIS_URL): this process only, "
                    "public answers only")
        return ResponseCache(MemoryStore(max(settings.response_cache_near_bytes, 1 << 20)),
                             version, settings)
    user_ttl_s = PRIVATE_MAX_AGE_S + settings.max_timeout_ms // 1000 + 5
    store = RedisStore(redis, settings.redis_key_prefix, version, Guard(LAYER), user_ttl_s)
    near = stream = None
    if settings.response_cache_near_bytes and coherence.supported(redis):
        near = NearCache(settings.response_cache_near_bytes)
        stream = coherence.Coherence(redis, store.public_prefix, near)
        stream.start()
    return ResponseCache(store, version, settings, near, stream)
