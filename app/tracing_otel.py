"""Tracing on: `app.tracing`'s interface over spans recorded by hand and exported by
OTLP/HTTP (`app.otlp`).

The SDK decides what it is best at deciding, once, at start-up: the resource
(`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`) and the sampler
(`OTEL_TRACES_SAMPLER`/`_ARG`, asked once per request). A request the sampler drops costs
what tracing off costs; a sampled one records its spans as plain values, each encoded when
it ends (`app.otlp` says why not the SDK's spans).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from importlib import metadata

from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import Sampler
from opentelemetry.trace import SpanKind, get_current_span

from app import otlp
from app.tracing import Call, RequestTrace, Tracing, client_context, new_span_id

DEFAULT_SERVICE_NAME = "storefront-bff"
SCOPE = "storefront-bff"
SHUTDOWN_WAIT_S = 2.0
"""How long shutting down waits for the last spans to leave."""


def resource() -> dict[str, otlp.AttributeValue]:
    """The SDK's resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES), named
    `storefront-bff` unless those name it."""
    detected = Resource.create()
    if str(detected.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        detected = detected.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    return {key: value if isinstance(value, str | bool | int | float)
            else tuple(str(item) for item in value or ())
            for key, value in detected.attributes.items()}


def sampler() -> Sampler:
    """The sampler the SDK makes of `OTEL_TRACES_SAMPLER`/`_ARG` (default: parent-based,
    always on)."""
    return TracerProvider(shutdown_on_exit=False).sampler


def _version() -> str:
    try:
        return metadata.version("storefront-bff")
    except metadata.PackageNotFoundError:
        return "unknown"


class _RecordedCall(Call):
    __slots__ = ("_attributes", "_name", "_parent", "_start")

    def __init__(self, trace: Recorded, parent: bytes, name: str,
                 attributes: dict[str, otlp.AttributeValue]) -> None:
        super().__init__(trace)
        self._parent = parent
        self._name = name
        self._attributes = attributes
        self._start = time.time_ns()

    def end(self, outcome: str, cancelled: bool = False) -> None:
        trace = self._trace
        assert isinstance(trace, Recorded)
        attributes = self._attributes
        attributes["bff.outcome"] = outcome
        attributes["bff.cancelled"] = cancelled
        trace.exporter.add(otlp.encode_span(
            trace.trace_bytes, bytes.fromhex(self.span_id), self._parent, self._name,
            otlp.CLIENT, self._start, time.time_ns(), attributes,
            outcome if outcome != "ok" and not cancelled else None))


class Recorded(RequestTrace):
    """A sampled request: a server span, parse/validate and execution children, and a
    client span per upstream call attempt."""

    __slots__ = ("_attributes", "_execution", "_name", "_parent_span", "_server_span",
                 "_start", "exporter", "trace_bytes")

    def __init__(self, exporter: otlp.Exporter, trace_id: int, parent_span: int | None,
                 tracestate: str | None, method: str, name: str = "graphql") -> None:
        super().__init__(format(trace_id, "032x"), format(new_span_id(), "016x"), "01",
                         tracestate)
        self.exporter = exporter
        self.trace_bytes = trace_id.to_bytes(16, "big")
        self._server_span = bytes.fromhex(self.span_id)
        self._parent_span = parent_span.to_bytes(8, "big") if parent_span else None
        self._start = time.time_ns()
        self._name = name
        self._execution: tuple[bytes, int] | None = None  # its span id and start
        self._attributes: dict[str, otlp.AttributeValue] = {
            "http.request.method": method, "http.route": "/graphql"}

    def _child(self, name: str, start_ns: int, span: bytes | None = None,
               ended_ns: int | None = None) -> None:
        self.exporter.add(otlp.encode_span(
            self.trace_bytes, span or new_span_id().to_bytes(8, "big"), self._server_span,
            name, otlp.INTERNAL, start_ns, ended_ns or time.time_ns(), {}))

    def admitted(self, started_ns: int, ended_ns: int) -> None:
        self._child("graphql.parse_validate", started_ns, ended_ns=ended_ns)

    def describe(self, name: str | None, kind: str, document_hash: str) -> None:
        self._name = f"{kind} {name}" if name else kind
        attributes = self._attributes
        attributes["graphql.operation.type"] = kind
        attributes["graphql.document.hash"] = document_hash
        if name:
            attributes["graphql.operation.name"] = name

    def begin_execution(self) -> None:
        self._execution = (new_span_id().to_bytes(8, "big"), time.time_ns())

    def end_execution(self) -> None:
        if self._execution is not None:
            span, started = self._execution
            self._execution = None
            self._child("graphql.execute", started, span)

    def executed(self, requested: int, actual: int, fallbacks: Sequence[str]) -> None:
        self._attributes["bff.cost.requested"] = requested
        self._attributes["bff.cost.actual"] = actual
        if fallbacks:
            self._attributes["bff.fallback"] = tuple(fallbacks)

    def cache_lookup(self, loader: str, keys: int, hits: int | None, started_ns: int) -> None:
        attributes: dict[str, otlp.AttributeValue] = {
            "bff.entity_cache.loader": loader, "bff.ids.count": keys}
        if hits is not None:
            attributes["bff.entity_cache.hits"] = hits
        parent = self._execution[0] if self._execution is not None else self._server_span
        self.exporter.add(otlp.encode_span(
            self.trace_bytes, new_span_id().to_bytes(8, "big"), parent,
            f"entity_cache {loader}", otlp.CLIENT, started_ns, time.time_ns(), attributes,
            "CACHE_UNAVAILABLE" if hits is None else None))

    def call(self, component: str, method: str, ids: int | None, budget_left_ms: int,
             timeout_ms: int, attempt: int, kind: str) -> Call:
        attributes: dict[str, otlp.AttributeValue] = {
            "bff.component": component, "http.request.method": method,
            "bff.budget_left_ms": budget_left_ms, "bff.timeout_ms": timeout_ms,
            "bff.attempt": attempt, "bff.attempt.kind": kind,
        }
        if ids is not None:
            attributes["bff.ids.count"] = ids
        parent = self._execution[0] if self._execution is not None else self._server_span
        return _RecordedCall(self, parent, f"{method} {component}", attributes)

    def finish(self, status: int, outcome: str, degraded: Sequence[str],
               cache: str | None) -> None:
        self.end_execution()
        attributes = self._attributes
        attributes["http.response.status_code"] = status
        attributes["bff.outcome"] = outcome
        attributes["bff.degraded"] = tuple(degraded)
        if cache is not None:
            attributes["bff.cache"] = cache
        self.exporter.add(otlp.encode_span(
            self.trace_bytes, self._server_span, self._parent_span, self._name, otlp.SERVER,
            self._start, time.time_ns(), attributes,
            f"HTTP {status}" if status >= 500 else None, self.tracestate))


class OtelTracing(Tracing):
    """Tracing on: sampled requests recorded and exported to `endpoint`."""

    enabled = True

    def __init__(self, endpoint: str) -> None:
        self.exporter = otlp.Exporter(endpoint, resource(), SCOPE, _version())
        self._sampler = sampler()

    def request(self, traceparent: str | None, tracestate: str | None,
                method: str = "POST") -> RequestTrace:
        return self._start(client_context(traceparent, tracestate), method, "graphql")

    def _start(self, context: Context | None, method: str, name: str) -> RequestTrace:
        parent = get_current_span(context).get_span_context()
        trace_id = parent.trace_id if parent.is_valid else (random.getrandbits(128) or 1)
        state = (parent.trace_state.to_header() or None) if parent.is_valid else None
        decision = self._sampler.should_sample(context, trace_id, name, SpanKind.SERVER)
        if not decision.decision.is_sampled():  # propagated as not sampled, nothing recorded
            return RequestTrace(format(trace_id, "032x"), format(new_span_id(), "016x"), "00",
                                state)
        return Recorded(self.exporter, trace_id, parent.span_id if parent.is_valid else None,
                        state, method, name)

    def near_hit(self, traceparent: str | None, tracestate: str | None) -> RequestTrace | None:
        return self.request(traceparent, tracestate, "GET")

    def background(self) -> RequestTrace:
        return self._start(None, "GET", "graphql.revalidate")

    async def aclose(self) -> None:
        """Flush what is queued, waiting `SHUTDOWN_WAIT_S` at most (a hanging collector
        must not hold the server's exit)."""
        await asyncio.get_running_loop().run_in_executor(
            None, self.exporter.shutdown, SHUTDOWN_WAIT_S)
