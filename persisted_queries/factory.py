"""Wiring for one process: manifests loaded at start-up, the store the settings name."""

from __future__ import annotations

import logging
from typing import Any

from app.admission import Admission
from app.settings import Settings
from persisted_queries.manifest import load_index
from persisted_queries.resolver import DocumentResolver
from persisted_queries.store import DocumentStore, MemoryDocumentStore, RedisDocumentStore

log = logging.getLogger("bff.persisted_queries")


def build_store(settings: Settings, redis: Any | None = None) -> DocumentStore:
    """Redis when `BFF_REDIS_URL` is set; otherwise memory (one instance only).

    `redis` is the process's shared client (the server's); without it the store
    opens and owns a client of its own (the `bff pq` commands).
    """
    if settings.redis_url:
        from app.redis_client import connect

        return RedisDocumentStore(
            redis if redis is not None else connect(settings.redis_url),
            prefix=settings.redis_key_prefix,
            apq_ttl_s=settings.persisted_query_ttl_s,
            owns_client=redis is None,
        )
    return MemoryDocumentStore(apq_ttl_s=settings.persisted_query_ttl_s)


def build_resolver(
    settings: Settings, admission: Admission, redis: Any | None = None
) -> DocumentResolver:
    """The resolver with every manifest admitted up front (they ship with the release)."""
    manifests = load_index(settings.persisted_query_manifests)
    resolver = DocumentResolver(
        admission,
        manifests,
        build_store(settings, redis),
        mode=settings.persisted_queries,
        cache_size=settings.document_cache_size,
    )
    for operation, problem in resolver.prewarm():
        log.warning(
            "persisted operation %s (%s) does not validate against the schema: %s",
            operation.name, operation.id, problem,
        )
    log.info(
        "persisted queries: %d manifest documents, mode %s, store %s",
        len(manifests), settings.persisted_queries, "redis" if settings.redis_url else "memory",
    )
    return resolver
