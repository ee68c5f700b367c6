"""CPU of tracing alone, in process: one request's trace as the BFF makes it for a
ProductPage (a server span, execute, 13 upstream calls each with its traceparent), with
tracing off, on (every trace sampled) and on with 10% sampled. Sampled spans are encoded
as they end and batched into OTLP `ExportTraceServiceRequest`s as the export thread
does; only the HTTP post is left out.

`python -m bench.trace_cost [--traces N]` prints JSON: µs of CPU per request.
"""

from __future__ import annotations

import argparse
import os
import random
import time

import orjson

from app.tracing import Tracing

CALLS = 13


def _one(tracing: Tracing, traceparent: str | None) -> None:
    trace = tracing.request(traceparent, None)
    trace.describe("ProductPage", "query", "ab" * 32)
    trace.begin_execution()
    for n in range(CALLS):
        call = trace.call("catalog", "GET", 3, 900, 800, 1, "first")
        headers: dict[str, str] = {}
        call.propagate(headers)
        call.end("ok" if n else "DEPENDENCY_ERROR")
    trace.end_execution()
    trace.executed(21, 19, ())
    trace.finish(200, "degraded", ("shipping",), None)


def _measure(tracing: Tracing, traces: int, traceparent: str | None) -> float:
    from app.tracing_otel import OtelTracing

    exporter = tracing.exporter if isinstance(tracing, OtelTracing) else None
    for _ in range(min(200, traces)):
        _one(tracing, traceparent)
    while exporter is not None and exporter.take() is not None:
        pass
    started = time.process_time()
    for _ in range(traces):
        _one(tracing, traceparent)
    while exporter is not None and exporter.take() is not None:
        pass  # the batches of what was queued, counted too
    return (time.process_time() - started) / traces * 1e6


def _on(sampler: str, argument: str | None = None) -> Tracing:
    """Tracing on, its export thread asleep (no post): the batches are taken here."""
    from app.tracing_otel import OtelTracing

    os.environ.update({"OTEL_TRACES_SAMPLER": sampler, "OTEL_BSP_SCHEDULE_DELAY": "1e9",
                       "OTEL_BSP_MAX_QUEUE_SIZE": "1e9",
                       "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "512"})
    if argument is not None:
        os.environ["OTEL_TRACES_SAMPLER_ARG"] = argument
    return OtelTracing("http://127.0.0.1:9/v1/traces")


def measure(traces: int) -> dict[str, float]:
    client = f"00-{random.getrandbits(128):032x}-00f067aa0ba902b7-01"
    results = {
        "off": _measure(Tracing(), traces, client),
        "on, always_on": _measure(_on("always_on"), traces, client),
        "on, 10% sampled": _measure(_on("traceidratio", "0.1"), traces, None),
    }
    return {name: round(us, 1) for name, us in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--traces", type=int, default=3000)
    print(orjson.dumps(measure(parser.parse_args().traces)).decode())


if __name__ == "__main__":
    main()
