"""The pure-Python load generator: closed-loop HTTP/1.1 keep-alive clients on one event loop.

`python -m bench.loadgen.pyload SPEC.json OUT.json` runs the `LoadSpec` in
SPEC.json and writes the `LoadResult` to OUT.json. Slower than wrk (one CPU,
roughly 5-10k requests/s), but needs nothing beyond the project's
dependencies, keeps one record per request when asked, and counts responses
carrying GraphQL errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bench.loadgen.spec import LoadResult, LoadSpec
from bench.stats import summarize

_MAX_HEADER_BYTES = 64 * 1024


class _Failure(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass
class _Tally:
    latencies_ms: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    graphql_errors: int = 0
    records: list[tuple[str, float, int]] = field(default_factory=list)

    def fail(self, kind: str) -> None:
        self.failures[kind] = self.failures.get(kind, 0) + 1


def _request_bytes(spec: LoadSpec, body: bytes | None, request_id: str | None) -> bytes:
    lines = [f"{spec.method} {spec.target} HTTP/1.1", f"Host: {spec.host}:{spec.port}"]
    lines.extend(f"{k}: {v}" for k, v in spec.headers.items())
    if request_id is not None:
        lines.append(f"X-Request-Id: {request_id}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (body or b"")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, keep-alive) of one response; content-length or chunked bodies."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise _Failure("read") from None
    except (asyncio.IncompleteReadError, ConnectionError):
        raise _Failure("read") from None
    if len(head) > _MAX_HEADER_BYTES:
        raise _Failure("read")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ", 2)[1])
    except (IndexError, ValueError):
        raise _Failure("read") from None
    length: int | None = None
    chunked = False
    keep_alive = True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection" and value.strip().lower() == "close":
            keep_alive = False
    try:
        if chunked:
            parts: list[bytes] = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            body = b"".join(parts)
        elif length is not None:
            body = await reader.readexactly(length)
        else:
            body = await reader.read()
            keep_alive = False
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        raise _Failure("read") from None
    return status, body, keep_alive


async def _client(
    index: int, spec: LoadSpec, start: float, end: float, tally: _Tally, fixed: list[bytes]
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    seq = 0
    bodies = spec.bodies or [b""]
    try:
        while True:
            now = time.perf_counter()
            if now >= end:
                return
            if writer is None:
                try:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(spec.host, spec.port), spec.timeout_s
                    )
                except (OSError, TimeoutError):
                    tally.fail("connect")
                    await asyncio.sleep(0.01)
                    continue
            assert reader is not None and writer is not None
            seq += 1
            request_id = f"{spec.id_prefix}{index}x{seq}" if spec.request_ids else None
            if request_id is None:
                payload = fixed[seq % len(fixed)]
            else:
                body = bodies[seq % len(bodies)] if spec.method != "GET" else None
                payload = _request_bytes(spec, body, request_id)
            sent = time.perf_counter()
            try:
                writer.write(payload)
                status, body_in, keep_alive = await asyncio.wait_for(
                    _read_response(reader), spec.timeout_s
                )
            except TimeoutError:
                tally.fail("timeout")
                keep_alive, status, body_in = False, -1, b""
            except _Failure as failure:
                tally.fail(failure.kind)
                keep_alive, status, body_in = False, -1, b""
            except ConnectionError:
                tally.fail("write")
                keep_alive, status, body_in = False, -1, b""
            done = time.perf_counter()
            if status >= 0 and sent >= start:
                latency_ms = (done - sent) * 1000
                tally.latencies_ms.append(latency_ms)
                key = str(status)
                tally.statuses[key] = tally.statuses.get(key, 0) + 1
                if not 200 <= status < 300:
                    tally.fail("status")
                if spec.check_bodies and b'"errors"' in body_in:
                    tally.graphql_errors += 1
                if request_id is not None:
                    tally.records.append((request_id, round(latency_ms, 3), status))
            if not keep_alive:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


async def run_async(spec: LoadSpec) -> LoadResult:
    if spec.method == "GET" or not spec.bodies:
        fixed = [_request_bytes(spec, None, None)]
    else:
        fixed = [_request_bytes(spec, body, None) for body in spec.bodies]
    tally = _Tally()
    start = time.perf_counter()
    end = start + spec.duration_s
    await asyncio.gather(
        *(_client(i, spec, start, end, tally, fixed) for i in range(spec.connections))
    )
    elapsed = max(time.perf_counter() - start, 1e-9)
    measured = min(elapsed, spec.duration_s) if tally.latencies_ms else elapsed
    return LoadResult(
        generator="python",
        requests=len(tally.latencies_ms),
        duration_s=measured,
        latency_ms=summarize(tally.latencies_ms),
        failures={k: tally.failures.get(k, 0)
                  for k in ("connect", "read", "write", "timeout", "status")},
        status_counts=tally.statuses,
        graphql_error_responses=tally.graphql_errors if spec.check_bodies else None,
        records=tally.records,
    )


def run(spec: LoadSpec) -> LoadResult:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(run_async(spec))
    return uvloop.run(run_async(spec))


def main(argv: list[str]) -> int:
    spec = LoadSpec.from_json(orjson.loads(Path(argv[0]).read_bytes()))
    result = run(spec)
    payload = result.summary()
    payload["records"] = result.records
    Path(argv[1]).write_bytes(orjson.dumps(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
