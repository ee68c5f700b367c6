"""A stored answer: its bytes and ETag as first sent, its freshness, and its clock.

Times are wall-clock seconds (replicas share entries, so a monotonic clock
would not do). An entry is fresh until `fresh_until`: its max-age, jittered
down by up to a tenth so that entries written together do not expire together;
then, for public entries, stale until `expires_at` (`BFF_RESPONSE_CACHE_STALE_S`
later): still served, as `X-Cache: STALE`, while one request revalidates it.
Private entries are never served stale.
"""

from __future__ import annotations

import math
import random
import time

import msgspec

from app.cache_policy import Freshness

JITTER = 0.1
FRESH, STALE, EXPIRED = "fresh", "stale", "expired"


class Entry(msgspec.Struct, frozen=True, array_like=True, gc=False):
    body: bytes
    etag: str
    max_age: int
    private: bool
    stored_at: float
    fresh_until: float
    expires_at: float

    @classmethod
    def create(cls, body: bytes, etag: str, freshness: Freshness, stale_s: int,
               now: float | None = None) -> Entry:
        now = time.time() if now is None else now
        fresh_s = max(1.0, freshness.max_age * (1.0 - random.uniform(0.0, JITTER)))
        stale = 0 if freshness.private else stale_s
        return cls(body, etag, freshness.max_age, freshness.private, now, now + fresh_s,
                   now + fresh_s + stale)

    @property
    def freshness(self) -> Freshness:
        return Freshness(self.max_age, self.private)

    def state(self, now: float) -> str:
        if now < self.fresh_until:
            return FRESH
        return STALE if now < self.expires_at else EXPIRED

    def age(self, now: float) -> int:
        return max(0, int(now - self.stored_at))

    def ttl_s(self, now: float) -> int:
        """Seconds for Redis to keep it."""
        return max(1, math.ceil(self.expires_at - now))

    @property
    def size(self) -> int:
        return len(self.body) + 200


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(Entry)


def encode(entry: Entry) -> bytes:
    return _ENCODER.encode(entry)


def decode(raw: bytes) -> Entry | None:
    """None for anything that is not an entry of this format (a miss, never an error)."""
    try:
        return _DECODER.decode(raw)
    except msgspec.DecodeError:
        return None
