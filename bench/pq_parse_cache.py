"""What parsing and validating a persisted document once per process saves per request.

`python -m bench.pq_parse_cache [--rounds N] [--iterations N]` (self-contained: no servers,
no Redis). For each contract operation, the cost of turning the request into an
executable document, three ways:

1. parse + validate every time: `Admission.document()` with its cache off (what a
   server without a document cache pays on every request);
2. persisted by hash: the `DocumentResolver` path of a hash-only APQ request whose id is
   in the shipped manifest (dict look-up, then the document admitted at start-up);
3. APQ registration cached by hash: a hash-only request for a document registered
   through APQ (in-process LRU keyed by hash; the memory store is never reached).

Median over rounds of the CPU time per request (`time.process_time`), in microseconds.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from app.admission import Admission, document_hash
from app.graphql_http.decode import GraphQLRequest
from app.limits import query_limits
from app.settings import load_settings
from persisted_queries.manifest import SHIPPED_DIR, ManifestIndex, read_manifest
from persisted_queries.resolver import DocumentResolver
from persisted_queries.store import MemoryDocumentStore
from schema import build_schema


def _admission(cache_size: int) -> Admission:
    return Admission(build_schema()._schema, cache_size=cache_size, introspection=True,
                     limits=query_limits(load_settings({})))


def _apq(key: str) -> GraphQLRequest:
    return GraphQLRequest(None, None, None, {"persistedQuery": {"version": 1,
                                                                "sha256Hash": key}}, None)


async def _per_call_us(call: Callable[[], Awaitable[object]], iterations: int,
                       rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(iterations):
            await call()
        samples.append((time.process_time() - started) / iterations * 1e6)
    return statistics.median(samples)


async def measure(iterations: int, rounds: int) -> list[tuple[str, int, float, float, float]]:
    operations = read_manifest(SHIPPED_DIR / "contract.apollo.json")
    uncached = _admission(0)
    cached = _admission(2048)
    resolver = DocumentResolver(cached, ManifestIndex(operations),
                                MemoryDocumentStore(apq_ttl_s=3600))
    resolver.prewarm()
    apq_resolver = DocumentResolver(cached, ManifestIndex(), MemoryDocumentStore(apq_ttl_s=3600))
    rows = []
    for op in operations:
        body = op.body
        register = GraphQLRequest(body, None, None, _apq(document_hash(body)).extensions, None)
        await apq_resolver.resolve(register)

        async def parse_validate(body: str = body) -> object:
            return uncached.document(body)

        async def by_manifest(key: str = op.id) -> object:
            return await resolver.resolve(_apq(key))

        async def by_apq(key: str = document_hash(body)) -> object:
            return await apq_resolver.resolve(_apq(key))

        full = await _per_call_us(parse_validate, max(1, iterations // 20), rounds)
        manifest = await _per_call_us(by_manifest, iterations, rounds)
        apq = await _per_call_us(by_apq, iterations, rounds)
        rows.append((op.name, len(body), full, manifest, apq))
    return rows


def table(rows: list[tuple[str, int, float, float, float]]) -> str:
    lines = [
        "| operation | body bytes | parse + validate (µs) | persisted, manifest (µs) "
        "| persisted, APQ LRU (µs) | saved per request (µs) | speed-up |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, size, full, manifest, apq in rows:
        lines.append(f"| {name} | {size} | {full:.0f} | {manifest:.1f} | {apq:.1f} "
                     f"| {full - max(manifest, apq):.0f} | {full / max(manifest, apq):.0f}x |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rows = asyncio.run(measure(args.iterations, args.rounds))
    print(f"Document resolution per request, median of {args.rounds} rounds "
          f"(CPU time; {Path(__file__).name})\n")
    print(table(rows))


if __name__ == "__main__":
    main()
