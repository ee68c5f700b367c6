"""An in-process copy of public response-cache entries, bounded in bytes.

A round trip to Redis costs more CPU than everything else a cache hit does
(README, Performance), so public entries are kept in process too. DESIGN.md
allows this, and only this: public entries, whose source of truth stays in
Redis, kept coherent by Redis's invalidation messages (`coherence`). Never a
per-user entry.

Coherence rules:
- the near-cache is used only while it is `trusted`, i.e. while the invalidation
  stream is connected; losing it empties the cache;
- a value read from Redis is kept only if no invalidation of its key arrived
  while it was being read (`begin` before the read, `fill` after): the read's
  answer and the invalidation come on different connections, in either order;
- an entry is dropped at its own expiry whatever Redis says.

The same class, always trusted, is the memory store of the embedded
single-instance default (`stores.MemoryStore`).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

from app.response_cache.entry import EXPIRED, Entry


class NearCache:
    def __init__(self, max_bytes: int, *, trusted: bool = False) -> None:
        self.max_bytes = max_bytes
        self.trusted = trusted
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._bytes = 0
        self._pending: dict[str, int] = {}
        self._tokens = itertools.count(1)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, name: str, now: float) -> Entry | None:
        if not self.trusted:
            return None
        entry = self._entries.get(name)
        if entry is None:
            return None
        if entry.state(now) == EXPIRED:
            self._drop(name)
            return None
        self._entries.move_to_end(name)
        return entry

    def begin(self, name: str) -> int:
        """Before reading `name` from Redis: a token `fill` checks."""
        token = next(self._tokens)
        self._pending[name] = token
        return token

    def fill(self, name: str, token: int, entry: Entry | None) -> None:
        """Keep what the read found, unless `name` was invalidated (or the cache emptied)
        since `begin`."""
        if self._pending.get(name) != token:
            return
        del self._pending[name]
        if entry is not None and self.trusted:
            self.put(name, entry)

    def put(self, name: str, entry: Entry) -> None:
        if entry.size > self.max_bytes // 8:
            return  # one huge answer must not push out everything else
        self._drop(name)
        self._entries[name] = entry
        self._bytes += entry.size
        while self._bytes > self.max_bytes and self._entries:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size

    def invalidate(self, name: str) -> None:
        self._pending.pop(name, None)
        self._drop(name)

    def clear(self) -> None:
        self._entries.clear()
        self._pending.clear()
        self._bytes = 0

    def trust(self) -> None:
        """The invalidation stream is (re)connected: start afresh, trusted."""
        self.clear()
        self.trusted = True

    def distrust(self) -> None:
        """The invalidation stream is lost: what is kept may be outdated."""
        self.trusted = False
        self.clear()

    def _drop(self, name: str) -> None:
        entry = self._entries.pop(name, None)
        if entry is not None:
            self._bytes -= entry.size
