"""The document store shared by every instance: APQ registrations and pushed manifests.

One interface, two implementations: Redis (`BFF_REDIS_URL`; what makes a
registration through one instance visible to all) and memory (the embedded
single-instance default only). Two kinds of document:
- trusted ones, from manifests pushed with `bff pq push`: no TTL, looked up
  by manifest id or by `sha256:<hex>` of the body;
- APQ registrations: content-addressed by sha256, expiring after a TTL.

Redis is an optimisation here, never a dependency of a request: every call is
bounded by a short timeout, and after a failure the store answers
`StoreUnavailable` at once for a cool-down period instead of waiting on a
dead server again.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from persisted_queries.manifest import SHA256_PREFIX, ManifestOperation

T = TypeVar("T")

OPERATION_TIMEOUT_S = 0.3
COOL_DOWN_S = 1.0
PUSH_TIMEOUT_S = 10.0


class StoreUnavailable(Exception):
    """The store could not answer in time (Redis down, slow or refusing)."""


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document found in the store; `trusted` when it came from a pushed manifest."""

    text: str
    trusted: bool
    name: str | None = None
    id: str | None = None


class DocumentStore(Protocol):
    """What the resolver needs from a store (Redis or memory)."""

    async def get(self, key: str, *, include_apq: bool) -> StoredDocument | None:
        """A trusted document by id or `sha256:<hex>`, else (if asked) an APQ one by hex."""
        ...

    async def register(self, sha256: str, text: str) -> None:
        """Store an APQ document (already verified and validated) with the APQ TTL."""
        ...

    async def push(self, operations: Sequence[ManifestOperation]) -> None:
        """Store manifest documents as trusted, without expiry."""
        ...

    async def trusted(self) -> list[ManifestOperation]:
        """Every pushed manifest document."""
        ...

    async def registered(self) -> list[tuple[str, str]]:
        """Every live APQ registration as (sha256, text)."""
        ...

    async def aclose(self) -> None: ...


def _trusted_fields(operation: ManifestOperation) -> dict[str, str]:
    entry = json.dumps(operation.as_json())
    return {f"id:{operation.id}": entry, f"{SHA256_PREFIX}{operation.sha256}": entry}


def _operation(raw: bytes | str) -> ManifestOperation:
    data = json.loads(raw)
    return ManifestOperation(data["id"], data["name"], data["type"], data["body"])


class RedisDocumentStore:
    """Keys: `<prefix>pq:manifest` (a hash: `id:<id>` and `sha256:<hex>` → entry JSON)
    and `<prefix>pq:apq:<hex>` (the text, with a TTL). Single-key commands only, so
    Redis Cluster works unchanged."""

    def __init__(
        self, client: Any, *, prefix: str, apq_ttl_s: int, owns_client: bool = True
    ) -> None:
        self._client = client
        self._owns_client = owns_client
        self._manifest_key = f"{prefix}pq:manifest"
        self._apq_prefix = f"{prefix}pq:apq:"
        self._apq_ttl_s = apq_ttl_s
        self._down_until = 0.0

    async def _call(self, action: Callable[[], Awaitable[T]], timeout_s: float) -> T:
        if time.monotonic() < self._down_until:
            raise StoreUnavailable("redis is cooling down after a failure")
        try:
            async with asyncio.timeout(timeout_s):
                return await action()
        except Exception as exc:  # any Redis failure or timeout: unavailable
            self._down_until = time.monotonic() + COOL_DOWN_S
            raise StoreUnavailable(f"redis: {type(exc).__name__}") from exc

    async def get(self, key: str, *, include_apq: bool) -> StoredDocument | None:
        hex_key = key.removeprefix(SHA256_PREFIX).lower()
        fields = [f"id:{key}", f"{SHA256_PREFIX}{hex_key}"]

        async def fetch() -> list[Any]:
            pipe = self._client.pipeline(transaction=False)
            pipe.hmget(self._manifest_key, fields)
            if include_apq:
                pipe.get(self._apq_prefix + hex_key)
            result: list[Any] = await pipe.execute()
            return result

        replies = await self._call(fetch, OPERATION_TIMEOUT_S)
        for raw in replies[0]:
            if raw is not None:
                operation = _operation(raw)
                return StoredDocument(operation.body, True, operation.name, operation.id)
        if len(replies) > 1 and replies[1] is not None:
            text = replies[1]
            return StoredDocument(text.decode() if isinstance(text, bytes) else text, False)
        return None

    async def register(self, sha256: str, text: str) -> None:
        await self._call(
            lambda: self._client.set(self._apq_prefix + sha256, text, ex=self._apq_ttl_s),
            OPERATION_TIMEOUT_S,
        )

    async def push(self, operations: Sequence[ManifestOperation]) -> None:
        mapping: dict[str, str] = {}
        for operation in operations:
            mapping.update(_trusted_fields(operation))
        if mapping:
            await self._call(
                lambda: self._client.hset(self._manifest_key, mapping=mapping), PUSH_TIMEOUT_S
            )

    async def trusted(self) -> list[ManifestOperation]:
        entries: dict[Any, Any] = await self._call(
            lambda: self._client.hgetall(self._manifest_key), PUSH_TIMEOUT_S
        )
        return [
            _operation(raw)
            for field, raw in sorted(entries.items())
            if (field.decode() if isinstance(field, bytes) else field).startswith("id:")
        ]

    async def registered(self) -> list[tuple[str, str]]:
        async def scan() -> list[tuple[str, str]]:
            found = []
            async for key in self._client.scan_iter(match=self._apq_prefix + "*", count=500):
                text = await self._client.get(key)
                if text is not None:
                    name = key.decode() if isinstance(key, bytes) else key
                    found.append((name.removeprefix(self._apq_prefix), text.decode()))
            return sorted(found)

        return await self._call(scan, PUSH_TIMEOUT_S)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


class MemoryDocumentStore:
    """The embedded default's store: this process only, bounded, APQ entries expire."""

    def __init__(self, *, apq_ttl_s: int, max_entries: int = 10_000) -> None:
        self._trusted: dict[str, ManifestOperation] = {}
        self._apq: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._apq_ttl_s = apq_ttl_s
        self._max_entries = max_entries

    async def get(self, key: str, *, include_apq: bool) -> StoredDocument | None:
        hex_key = key.removeprefix(SHA256_PREFIX).lower()
        operation = self._trusted.get(f"id:{key}") or self._trusted.get(
            f"{SHA256_PREFIX}{hex_key}"
        )
        if operation is not None:
            return StoredDocument(operation.body, True, operation.name, operation.id)
        if not include_apq:
            return None
        entry = self._apq.get(hex_key)
        if entry is None:
            return None
        text, expires = entry
        if time.monotonic() >= expires:
            del self._apq[hex_key]
            return None
        self._apq.move_to_end(hex_key)
        return StoredDocument(text, False)

    async def register(self, sha256: str, text: str) -> None:
        self._apq[sha256] = (text, time.monotonic() + self._apq_ttl_s)
        self._apq.move_to_end(sha256)
        while len(self._apq) > self._max_entries:
            self._apq.popitem(last=False)

    async def push(self, operations: Sequence[ManifestOperation]) -> None:
        for operation in operations:
            self._trusted[f"id:{operation.id}"] = operation
            self._trusted[f"{SHA256_PREFIX}{operation.sha256}"] = operation

    async def trusted(self) -> list[ManifestOperation]:
        return [op for key, op in sorted(self._trusted.items()) if key.startswith("id:")]

    async def registered(self) -> list[tuple[str, str]]:
        now = time.monotonic()
        return sorted((h, text) for h, (text, expires) in self._apq.items() if expires > now)

    async def aclose(self) -> None:
        return None
