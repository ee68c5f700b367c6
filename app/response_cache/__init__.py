"""The response cache: whole answers of query operations, kept in Redis, served without
parsing, validating, executing or encoding.

    keys       the schema fingerprint, document hash, operation, canonical variables, scope
    entry      what is stored: the answer's bytes, its ETag and freshness, when it goes stale
    stores     Redis (shared by every replica), or memory (the embedded single instance)
    near       a bounded in-process copy of public entries, kept coherent by Redis
    coherence  Redis's invalidation messages for the near-cache (server-assisted tracking)
    cache      lookups with single flight, stores, stale-while-revalidate, invalidation

The endpoint (`app.graphql_http.endpoint`) asks for a key once the operation is
chosen and its variables coerced, looks it up before admission's cost check and
the rate limit, and stores what it shaped when the answer is complete.
"""

from app.response_cache.cache import HIT, MISS, STALE, Lookup, ResponseCache, build_cache
from app.response_cache.entry import Entry
from app.response_cache.keys import Key

__all__ = ["HIT", "MISS", "STALE", "Entry", "Key", "Lookup", "ResponseCache", "build_cache"]
