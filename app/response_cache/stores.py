"""Where entries live: Redis, shared by every replica, or memory, for the embedded default.

Redis layout (`BFF_REDIS_KEY_PREFIX`, `bff:` by default):
- `<prefix>rc:p:<version>:<digest>`: a public entry (a string, expiring with it); the
  near-cache's invalidation stream tracks this prefix;
- `<prefix>rc:u:<user>`: one hash per user holding that user's private entries (field
  `<version>:<digest>`) and a generation (field `gen`). Invalidating a user is one
  command on one key (so Redis Cluster needs no cross-slot work), and a private answer
  is stored only if the generation is still the one its lookup saw: an answer computed
  before a cart change can never be stored after that change's invalidation;
- `<prefix>rc:lock:<version>:<digest>`: the revalidation lock of a stale public entry.

Every call goes through the layer's `Guard` (short timeout, cool-down, counted).
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from app.redis_guard import Guard
from app.response_cache import entry as entries
from app.response_cache.entry import Entry
from app.response_cache.keys import Key
from app.response_cache.near import NearCache

GEN = "gen"

# KEYS[1] the user's hash; ARGV: field, entry, generation seen at lookup ("" for none), ttl.
_STORE_PRIVATE = """
if (redis.call('HGET', KEYS[1], 'gen') or '') ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""
# KEYS[1] the user's hash; ARGV: ttl. Drops every entry, moves the generation on.
_INVALIDATE = """
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0') + 1
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'gen', gen)
redis.call('EXPIRE', KEYS[1], ARGV[1])
return gen
"""


class Store(Protocol):
    shared: bool
    """True when other replicas see what is stored (Redis)."""
    local: NearCache | None
    """Its entries, when they are kept in this process (the memory store)."""

    def name(self, key: Key) -> str:
        """The key's name in the store (what the near-cache is keyed by)."""
        ...

    async def get(self, key: Key) -> tuple[Entry | None, str | None]:
        """The stored entry (None: none, or not readable) and, for a private key, the user's
        generation (to hand back to `put`)."""
        ...

    async def put(self, key: Key, entry: Entry, generation: str | None) -> None: ...

    async def lock(self, key: Key, ttl_ms: int) -> bool:
        """Take the revalidation lock of `key` for `ttl_ms`; False if another holds it."""
        ...

    async def invalidate_user(self, user: str) -> None: ...


class RedisStore:
    shared = True
    local: NearCache | None = None

    def __init__(self, client: Any, prefix: str, version: str, guard: Guard,
                 user_ttl_s: int) -> None:
        self._client = client
        self._guard = guard
        self.public_prefix = f"{prefix}rc:p:"
        self._public = f"{prefix}rc:p:{version[:16]}:"
        self._users = f"{prefix}rc:u:"
        self._field = f"{version[:16]}:"
        self._locks = f"{prefix}rc:lock:{version[:16]}:"
        self._user_ttl_s = user_ttl_s
        self._store_private = client.register_script(_STORE_PRIVATE)
        self._invalidate = client.register_script(_INVALIDATE)

    def name(self, key: Key) -> str:
        return self._public + key.digest

    async def get(self, key: Key) -> tuple[Entry | None, str | None]:
        user = key.user
        if user is None:
            raw = await self._guard.call(lambda: self._client.get(self._public + key.digest))
            return _decoded(raw), None
        generation, raw = await self._guard.call(lambda: self._client.hmget(
            self._users + user, [GEN, self._field + key.digest]))
        if isinstance(generation, bytes):
            generation = generation.decode()
        return _decoded(raw), generation or ""

    async def put(self, key: Key, entry: Entry, generation: str | None) -> None:
        raw = entries.encode(entry)
        ttl_s = entry.ttl_s(time.time())
        user = key.user
        if user is None:
            await self._guard.call(lambda: self._client.set(self._public + key.digest, raw,
                                                            ex=ttl_s))
            return
        await self._guard.call(lambda: self._store_private(
            keys=[self._users + user],
            args=[self._field + key.digest, raw, generation or "", self._user_ttl_s]))

    async def lock(self, key: Key, ttl_ms: int) -> bool:
        taken = await self._guard.call(lambda: self._client.set(
            self._locks + key.digest, b"1", nx=True, px=ttl_ms))
        return bool(taken)

    async def invalidate_user(self, user: str) -> None:
        await self._guard.call(lambda: self._invalidate(keys=[self._users + user],
                                                        args=[self._user_ttl_s]))


class MemoryStore:
    """The embedded default's store (no `BFF_REDIS_URL`): this process, public entries only.

    Per-user answers are not kept in process memory (DESIGN.md, Stateless): without
    Redis, private answers are not cached at all.
    """

    shared = False

    def __init__(self, max_bytes: int) -> None:
        self._entries = NearCache(max_bytes, trusted=True)
        self.local: NearCache | None = self._entries
        self._locks: dict[str, float] = {}

    def name(self, key: Key) -> str:
        return key.digest

    async def get(self, key: Key) -> tuple[Entry | None, str | None]:
        if key.user is not None:
            return None, None
        return self._entries.get(key.digest, time.time()), None

    async def put(self, key: Key, entry: Entry, generation: str | None) -> None:
        if key.user is None:
            self._entries.put(key.digest, entry)

    async def lock(self, key: Key, ttl_ms: int) -> bool:
        now = time.monotonic()
        for name in [n for n, until in self._locks.items() if until <= now]:
            del self._locks[name]
        if key.digest in self._locks:
            return False
        self._locks[key.digest] = now + ttl_ms / 1000
        return True

    async def invalidate_user(self, user: str) -> None:
        return None


def _decoded(raw: bytes | None) -> Entry | None:
    return None if raw is None else entries.decode(raw)
