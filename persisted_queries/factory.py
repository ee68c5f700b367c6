"""Wiring for one process: manifests loaded at start-up, the store the settings name."""

from __future__ import annotations

import logging

from app.admission import Admission
from app.settings import Settings
from persisted_queries.manifest import load_index
from persisted_queries.resolver import DocumentResolver
from persisted_queries.store import DocumentStore, MemoryDocumentStore, RedisDocumentStore

log = logging.getLogger("bff.persisted_queries")


def build_store(settings: Settings) -> DocumentStore:
    """Redis when `BFF_REDIS_URL` is set; otherwise memory (one instance only)."""
    if settings.redis_url:
        from app.redis_client import connect

        return RedisDocumentStore(
            connect(settings.redis_url),
            prefix=settings.redis_key_prefix,
            apq_ttl_s=settings.persisted_query_ttl_s,
        )
    return MemoryDocumentStore(apq_ttl_s=settings.persisted_query_ttl_s)


def build_resolver(settings: Settings, admission: Admission) -> DocumentResolver:
    """The resolver with every manifest admitted up front (they ship with the release)."""
    manifests = load_index(settings.persisted_query_manifests)
    resolver = DocumentResolver(
        admission,
        manifests,
        build_store(settings),
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
