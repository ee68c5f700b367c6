"""CPU of tracing alone, in process: one request's trace as the BFF makes it for a
ProductPage (a server span, execute, 13 upstream calls each with its traceparent), with
tracing off, on (every trace sampled) and on with 10% sampled. Sampled spans go through
the real batch processor to an exporter that encodes them to OTLP protobuf as the HTTP
exporter does (only the HTTP post is left out). `time.process_time` counts every thread,
so the export thread's encoding is in the figure.

`python -m bench.trace_cost [--traces N]` prints JSON: µs of CPU per request.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Sequence

import orjson
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from app.tracing import Tracing

CALLS = 13


class _Encoding(SpanExporter):
    def __init__(self) -> None:
        self.spans = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        encode_spans(spans).SerializeToString()
        self.spans += len(spans)
        return SpanExportResult.SUCCESS


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
    trace.cost(21, 19)
    trace.finish(200, "degraded", ("shipping",), None)


def _measure(tracing: Tracing, traces: int, traceparent: str | None) -> float:
    for _ in range(min(200, traces)):
        _one(tracing, traceparent)
    flush = getattr(tracing, "provider", None)
    if flush is not None:
        flush.force_flush()
    started = time.process_time()
    for _ in range(traces):
        _one(tracing, traceparent)
    if flush is not None:
        flush.force_flush()  # the encoding of what is still queued, counted too
    return (time.process_time() - started) / traces * 1e6


def measure(traces: int) -> dict[str, float]:
    from app.tracing_otel import OtelTracing

    client = f"00-{random.getrandbits(128):032x}-00f067aa0ba902b7-01"
    results = {"off": _measure(Tracing(), traces, client)}
    os.environ["OTEL_TRACES_SAMPLER"] = "always_on"
    on = OtelTracing("http://127.0.0.1:9/v1/traces", exporter=_Encoding())
    results["on, always_on"] = _measure(on, traces, client)
    on.provider.shutdown()
    os.environ["OTEL_TRACES_SAMPLER"] = "traceidratio"
    os.environ["OTEL_TRACES_SAMPLER_ARG"] = "0.1"
    sampled = OtelTracing("http://127.0.0.1:9/v1/traces", exporter=_Encoding())
    results["on, 10% sampled"] = _measure(sampled, traces, None)
    sampled.provider.shutdown()
    return {name: round(us, 1) for name, us in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--traces", type=int, default=3000)
    print(orjson.dumps(measure(parser.parse_args().traces)).decode())


if __name__ == "__main__":
    main()
