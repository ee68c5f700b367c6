"""Tracing on: `app.tracing`'s interface over OpenTelemetry SDK spans, exported by OTLP/HTTP.

Export never touches a request: spans go to a bounded queue that a batch thread drains
into the exporter. When the collector is down or hangs, the queue fills and further spans
are dropped (counted in `bff_trace_spans_dropped_total`), nothing else. The standard
variables the SDK reads itself are honoured: `OTEL_SERVICE_NAME`,
`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`/`_ARG`, `OTEL_BSP_*`.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Span as ApiSpan
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

from app import metrics
from app.tracing import PROPAGATOR, Call, RequestTrace, Tracing

DEFAULT_SERVICE_NAME = "storefront-bff"
EXPORT_TIMEOUT_S = 2.0
"""One export request's limit: a hanging collector holds the batch thread no longer."""
SHUTDOWN_WAIT_S = 2.0
"""How long shutting down waits for the last spans to leave."""
_DEFAULT_QUEUE = 2048


def resource() -> Resource:
    """The SDK's resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES), named
    `storefront-bff` unless those name it."""
    detected = Resource.create()
    if str(detected.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        detected = detected.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    return detected


def _queue_size() -> int:
    try:
        return max(1, int(os.environ.get("OTEL_BSP_MAX_QUEUE_SIZE", _DEFAULT_QUEUE)))
    except ValueError:
        return _DEFAULT_QUEUE


class _Counted(SpanExporter):
    """The exporter, telling the processor how many spans left and counting failures."""

    def __init__(self, inner: SpanExporter, processor: BoundedProcessor) -> None:
        self._inner = inner
        self._processor = processor

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self._inner.export(spans)
        except Exception:
            result = SpanExportResult.FAILURE
        if result is not SpanExportResult.SUCCESS:
            metrics.TRACE_SPANS_DROPPED.labels("export_failed").inc(len(spans))
        self._processor.left(len(spans))
        return result

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self._inner.force_flush(timeout_millis)


class BoundedProcessor(SpanProcessor):
    """A `BatchSpanProcessor` that never holds more than `limit` spans: beyond that a span
    is dropped here, and counted (the SDK's own queue would drop it silently)."""

    def __init__(self, exporter: SpanExporter, limit: int) -> None:
        self._limit = limit
        self._pending = 0
        self._lock = threading.Lock()
        self._batch = BatchSpanProcessor(_Counted(exporter, self), max_queue_size=limit,
                                         export_timeout_millis=EXPORT_TIMEOUT_S * 1000)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        if not (span.context and span.context.trace_flags.sampled):
            return
        with self._lock:
            if self._pending >= self._limit:
                metrics.TRACE_SPANS_DROPPED.labels("queue_full").inc()
                return
            self._pending += 1
        self._batch.on_end(span)

    def left(self, count: int) -> None:
        with self._lock:
            self._pending = max(0, self._pending - count)

    def shutdown(self) -> None:
        self._batch.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self._batch.force_flush(timeout_millis)


class _TracedCall(Call):
    __slots__ = ("_attributes", "_span")

    def __init__(self, trace: RequestTrace, span: ApiSpan,
                 attributes: dict[str, str | int | bool]) -> None:
        self._trace = trace
        self._span = span
        self._attributes = attributes
        """Set on the span once, when it ends: the SDK validates each set (its main cost)."""
        self.span_id = format(span.get_span_context().span_id, "016x")

    def propagate(self, headers: dict[str, str]) -> None:
        PROPAGATOR.inject(headers, context=set_span_in_context(self._span))

    def end(self, outcome: str, cancelled: bool = False) -> None:
        span = self._span
        attributes = self._attributes
        attributes["bff.outcome"] = outcome
        attributes["bff.cancelled"] = cancelled
        span.set_attributes(attributes)
        if outcome != "ok" and not cancelled:
            span.set_status(Status(StatusCode.ERROR, outcome))
        span.end()


class _TracedRequest(RequestTrace):
    """A server span, with admission and execution children and a client span per call."""

    __slots__ = ("_attributes", "_execution", "_name", "_parent", "_span", "_tracer")

    def __init__(self, tracer: OtelTracing, span: ApiSpan) -> None:
        context = span.get_span_context()
        super().__init__(format(context.trace_id, "032x"), format(context.span_id, "016x"),
                         format(context.trace_flags, "02x"), None)
        self._tracer = tracer
        self._span = span
        self._parent = set_span_in_context(span)
        self._execution: ApiSpan | None = None
        self._name: str | None = None
        self._attributes: dict[str, str | int] = {}
        """Set on the span once, when it ends (each `set_attribute` takes its lock)."""

    def admitted(self, started_ns: int) -> None:
        self._tracer.tracer.start_span(
            "graphql.parse_validate", context=self._parent, start_time=started_ns).end()

    def describe(self, name: str | None, kind: str, document_hash: str) -> None:
        self._name = f"{kind} {name}" if name else kind
        attributes = self._attributes
        attributes["graphql.operation.type"] = kind
        attributes["graphql.document.hash"] = document_hash
        if name:
            attributes["graphql.operation.name"] = name

    def begin_execution(self) -> None:
        self._execution = self._tracer.tracer.start_span("graphql.execute", context=self._parent)
        self._parent = set_span_in_context(self._execution)

    def end_execution(self) -> None:
        if self._execution is not None:
            self._execution.end()
            self._execution = None

    def cost(self, requested: int, actual: int) -> None:
        self._attributes["bff.cost.requested"] = requested
        self._attributes["bff.cost.actual"] = actual

    def call(self, component: str, method: str, ids: int | None, budget_left_ms: int,
             timeout_ms: int, attempt: int, kind: str) -> Call:
        attributes: dict[str, str | int | bool] = {
            "bff.component": component, "http.request.method": method,
            "bff.budget_left_ms": budget_left_ms, "bff.timeout_ms": timeout_ms,
            "bff.attempt": attempt, "bff.attempt.kind": kind,
        }
        if ids is not None:
            attributes["bff.ids.count"] = ids
        span = self._tracer.tracer.start_span(
            f"{method} {component}", context=self._parent, kind=SpanKind.CLIENT)
        return _TracedCall(self, span, attributes)

    def finish(self, status: int, outcome: str, degraded: Sequence[str],
               cache: str | None) -> None:
        self.end_execution()
        span = self._span
        if self._name is not None:
            span.update_name(self._name)
        attributes: dict[str, str | int | list[str]] = {
            **self._attributes, "http.response.status_code": status, "bff.outcome": outcome,
            "bff.degraded": list(degraded)}
        if cache is not None:
            attributes["bff.cache"] = cache
        span.set_attributes(attributes)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR, f"HTTP {status}"))
        span.end()


class OtelTracing(Tracing):
    """Tracing on: spans made by the SDK, batched and exported to `endpoint`."""

    enabled = True

    def __init__(self, endpoint: str, *, exporter: SpanExporter | None = None) -> None:
        self.provider = TracerProvider(resource=resource(), shutdown_on_exit=False)
        self.processor = BoundedProcessor(
            exporter or OTLPSpanExporter(endpoint=endpoint, timeout=EXPORT_TIMEOUT_S),
            _queue_size())
        self.provider.add_span_processor(self.processor)
        self.tracer = self.provider.get_tracer("storefront-bff")

    def request(self, traceparent: str | None, tracestate: str | None,
                method: str = "POST") -> RequestTrace:
        carrier: dict[str, str] = {}
        if traceparent:
            carrier["traceparent"] = traceparent
            if tracestate:
                carrier["tracestate"] = tracestate
        # An invalid traceparent extracts to no parent: the span starts a new trace.
        context = PROPAGATOR.extract(carrier) if carrier else None
        span = self.tracer.start_span(
            "graphql", context=context, kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "http.route": "/graphql"})
        return _TracedRequest(self, span)

    def near_hit(self, traceparent: str | None, tracestate: str | None) -> RequestTrace | None:
        return self.request(traceparent, tracestate, "GET")

    def background(self) -> RequestTrace:
        return _TracedRequest(self, self.tracer.start_span("graphql.revalidate"))

    async def aclose(self) -> None:
        """Flush what is queued, waiting `SHUTDOWN_WAIT_S` at most (a hanging collector
        must not hold the server's exit)."""
        stopping = threading.Thread(target=self.provider.shutdown, name="otel-shutdown",
                                    daemon=True)
        stopping.start()
        await asyncio.get_running_loop().run_in_executor(None, stopping.join, SHUTDOWN_WAIT_S)
