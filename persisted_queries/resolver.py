"""The "resolve document" stage: from what the request names to an admitted document.

Order of lookup for a hash or id (HTTP.md): the release's manifests (in
memory), then documents already admitted by this process (bounded LRU keyed
by the id or hash: a persisted document is parsed and validated once per
process), then the shared store. In `safelist` mode only trusted documents
(manifests, pushed manifests) resolve, and text must match one of them.

Redis failures never fail a request here: a lookup that cannot reach the
store is a miss, a registration that cannot be stored still executes.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

from app import errors, metrics
from app.admission import MAX_CACHED_DOCUMENT_CHARS, Admission, Document
from app.graphql_http.decode import GraphQLRequest
from persisted_queries import protocol
from persisted_queries.manifest import SHA256_PREFIX, ManifestIndex, ManifestOperation, sha256_hex
from persisted_queries.store import DocumentStore, StoreUnavailable

log = logging.getLogger("bff.persisted_queries")

Mode = Literal["open", "safelist"]
MAX_APQ_LABELS = 256
"""Distinct APQ operation names used as metric labels per process; beyond, `anonymous`.
(Clients choose APQ names, so they must not grow the label set without bound.)"""


@dataclass(frozen=True, slots=True)
class Resolved:
    """An admitted document and where it came from.

    `persisted`: named by hash or id (so a GET for it is cacheable);
    `trusted`: it is in a manifest (its `name` labels metrics).
    """

    document: Document
    persisted: bool
    trusted: bool
    name: str | None = None


class DocumentResolver:
    """Resolves documents for one process; holds only per-release or content-addressed data."""

    def __init__(
        self,
        admission: Admission,
        manifests: ManifestIndex,
        store: DocumentStore,
        *,
        mode: Mode = "open",
        cache_size: int = 2048,
    ) -> None:
        self._admission = admission
        self._manifests = manifests
        self._store = store
        self._safelist = mode == "safelist"
        self._cache: OrderedDict[str, Resolved] = OrderedDict()
        self._cache_size = cache_size
        self._pinned: dict[str, Resolved] = {}
        self._apq_labels: set[str] = set()

    @property
    def store(self) -> DocumentStore:
        return self._store

    def prewarm(self) -> list[tuple[ManifestOperation, str]]:
        """Admit and plan every manifest document now; return those that do not validate."""
        problems = []
        for operation in self._manifests:
            try:
                self._admission.prewarm(self._manifest_document(operation).document)
            except errors.RequestError as refusal:
                problems.append((operation, refusal.message))
        return problems

    async def resolve(self, request: GraphQLRequest) -> Resolved:
        try:
            ref = protocol.persisted_ref(request)
        except errors.RequestError:
            metrics.PERSISTED_QUERIES.labels("rejected").inc()
            raise
        if ref is None:
            return await self._text(request.query)
        if ref.kind == "apq" and ref.query is not None:
            return await self._apq_with_query(ref.key, ref.query)
        found = await self._find(ref.key)
        if found is None:
            metrics.PERSISTED_QUERIES.labels("miss").inc()
            if ref.kind == "document_id" or self._safelist:
                raise protocol.not_in_list(ref.key)
            raise protocol.not_found()
        metrics.PERSISTED_QUERIES.labels("hit").inc()
        return found

    def label(self, resolved: Resolved, operation_name: str | None) -> str | None:
        """The metric/log label of RUNNING.md: the persisted name, None for `anonymous`."""
        if resolved.trusted:
            return resolved.name or operation_name
        if not resolved.persisted or operation_name is None:
            return None
        if operation_name in self._apq_labels:
            return operation_name
        if len(self._apq_labels) < MAX_APQ_LABELS:
            self._apq_labels.add(operation_name)
            return operation_name
        return None

    async def _text(self, query: str | None) -> Resolved:
        if not query:
            raise errors.RequestError(errors.BAD_REQUEST, "Must provide a query string.", 400)
        if not self._safelist:
            document = self._admission.document(query)
            entry = self._manifests.by_hash(document.hash)
            return Resolved(document, False, entry is not None, entry.name if entry else None)
        text_hash = sha256_hex(query)
        entry = self._manifests.by_text(query, text_hash)
        if entry is not None:
            metrics.PERSISTED_QUERIES.labels("hit").inc()
            document = self._admission.document(query)
            return Resolved(document, False, True, entry.name)
        stored = await self._stored(SHA256_PREFIX + text_hash, include_apq=False)
        if stored is not None:
            metrics.PERSISTED_QUERIES.labels("hit").inc()
            return Resolved(stored.document, False, True, stored.name)
        metrics.PERSISTED_QUERIES.labels("rejected").inc()
        raise protocol.not_in_safelist()

    async def _apq_with_query(self, key: str, query: str) -> Resolved:
        """Hash and text together: verify, then execute, registering it when allowed."""
        query_hash = sha256_hex(query)
        if query_hash != key.lower():
            entry = self._manifests.by_id(key)
            if entry is None or entry.body != query:
                metrics.PERSISTED_QUERIES.labels("rejected").inc()
                raise protocol.hash_mismatch()
            metrics.PERSISTED_QUERIES.labels("hit").inc()
            return self._manifest_document(entry)
        known = self._manifests.lookup(query_hash)
        if known is not None:
            metrics.PERSISTED_QUERIES.labels("hit").inc()
            return self._manifest_document(known)
        cached = self._cached(query_hash)
        if cached is not None:
            metrics.PERSISTED_QUERIES.labels("hit").inc()
            return cached
        if self._safelist:
            entry = self._manifests.by_text(query, query_hash)
            if entry is not None:
                metrics.PERSISTED_QUERIES.labels("hit").inc()
                return Resolved(self._admission.document(query), True, True, entry.name)
            stored = await self._stored(SHA256_PREFIX + query_hash, include_apq=False)
            if stored is not None:
                metrics.PERSISTED_QUERIES.labels("hit").inc()
                return stored
            metrics.PERSISTED_QUERIES.labels("rejected").inc()
            raise protocol.not_in_safelist()
        document = self._admission.document(query)  # only valid documents are stored
        resolved = Resolved(document, True, False)
        try:
            await self._store.register(query_hash, query)
        except StoreUnavailable as exc:
            log.warning("APQ registration not stored: %s", exc)
        else:
            metrics.PERSISTED_QUERIES.labels("registered").inc()
        self._remember(query_hash, resolved)
        return resolved

    async def _find(self, key: str) -> Resolved | None:
        entry = self._manifests.lookup(key)
        if entry is not None:
            return self._manifest_document(entry)
        return self._cached(key) or await self._stored(key, include_apq=not self._safelist)

    async def _stored(self, key: str, *, include_apq: bool) -> Resolved | None:
        try:
            stored = await self._store.get(key, include_apq=include_apq)
        except StoreUnavailable as exc:
            log.warning("persisted query store unavailable, answering as not found: %s", exc)
            return None
        if stored is None:
            return None
        if not stored.trusted and sha256_hex(stored.text) != _hex(key):
            log.error("APQ store returned a document whose hash is not its key; ignored")
            return None
        resolved = Resolved(
            self._admission.document(stored.text), True, stored.trusted, stored.name
        )
        self._remember(key, resolved)
        return resolved

    def _manifest_document(self, entry: ManifestOperation) -> Resolved:
        """Manifest documents are admitted once and kept for the life of the process."""
        resolved = self._pinned.get(entry.id)
        if resolved is None:
            resolved = Resolved(self._admission.document(entry.body), True, True, entry.name)
            self._pinned[entry.id] = resolved
        return resolved

    def _cached(self, key: str) -> Resolved | None:
        resolved = self._cache.get(key)
        if resolved is not None:
            self._cache.move_to_end(key)
        return resolved

    def _remember(self, key: str, resolved: Resolved) -> None:
        source = resolved.document.node.loc.source.body if resolved.document.node.loc else ""
        if not self._cache_size or len(source) > MAX_CACHED_DOCUMENT_CHARS:
            return  # the same bound as admission's cache: memory stays bounded
        self._cache[key] = resolved
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _hex(key: str) -> str:
    return key.removeprefix(SHA256_PREFIX).lower()
