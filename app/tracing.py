"""Distributed tracing: one interface, chosen once at start-up.

`Tracing` (no `BFF_OTLP_ENDPOINT`) makes no OpenTelemetry SDK object at all: it
reads the client's W3C `traceparent` with OTel's propagator, keeps its trace id for the
logs and `extensions.trace`, and gives every upstream call a `traceparent` of its own
(same trace, a fresh span id). `app.tracing_otel` is the "on" implementation: the same
interface over recorded spans, exported by OTLP/HTTP off the request path.

The endpoint and the upstream client call the methods below unconditionally; which
implementation answers was decided once, so no `if tracing_enabled` is scattered around.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.trace import get_current_span
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from app.settings import Settings

_PROPAGATOR = TraceContextTextMapPropagator()
_SAMPLED = 0x01


def client_context(traceparent: str | None, tracestate: str | None) -> Context | None:
    """The client's W3C trace context, read by OTel's propagator; None without a header (an
    invalid one extracts to a context without a valid span: a new trace starts)."""
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent}
    if tracestate:
        carrier["tracestate"] = tracestate
    return _PROPAGATOR.extract(carrier)


def new_span_id() -> int:
    """A random non-zero 64-bit span id (what the SDK's id generator does, without it)."""
    return random.getrandbits(64) or 1


class Call:
    """One upstream call attempt's span: its id (logs) and the headers that continue it."""

    __slots__ = ("_trace", "span_id")

    def __init__(self, trace: RequestTrace) -> None:
        self._trace = trace
        self.span_id = format(new_span_id(), "016x")

    def propagate(self, headers: dict[str, str]) -> None:
        """Add `traceparent` (and the client's `tracestate`) naming this call's span."""
        trace = self._trace
        headers["traceparent"] = f"00-{trace.trace_id}-{self.span_id}-{trace.flags}"
        if trace.tracestate:
            headers["tracestate"] = trace.tracestate

    def end(self, outcome: str, cancelled: bool = False) -> None:
        """The call is over: `ok`, the HTTP.md code of its failure, or `cancelled`."""


class RequestTrace:
    """One `/graphql` request's trace (the server span, when tracing is on)."""

    __slots__ = ("flags", "span_id", "trace_id", "tracestate")

    def __init__(self, trace_id: str, span_id: str, flags: str, tracestate: str | None) -> None:
        self.trace_id = trace_id
        self.span_id = span_id
        self.flags = flags
        self.tracestate = tracestate

    def admitted(self, started_ns: int, ended_ns: int) -> None:
        """The document was parsed and validated (not found in the document cache) from
        `started_ns` to `ended_ns` (`time.time_ns()`)."""

    def describe(self, name: str | None, kind: str, document_hash: str) -> None:
        """The operation chosen: its name, type (query, mutation) and document hash."""

    def begin_execution(self) -> None:
        """Execution starts: upstream calls from now on are its children."""

    def end_execution(self) -> None:
        """Execution is over (deferred parts may still call upstreams)."""

    def executed(self, requested: int, actual: int, fallbacks: Sequence[str]) -> None:
        """The operation's requested and actual cost, and the components answered from a
        stale cache entry because their service failed (`extensions.degraded`'s
        `fallback`)."""

    def cache_lookup(self, loader: str, keys: int, hits: int | None, started_ns: int) -> None:
        """The entity cache looked up `keys` of `loader` since `started_ns`: `hits` found
        fresh, None when Redis could not answer."""

    def call(self, component: str, method: str, ids: int | None, budget_left_ms: int,
             timeout_ms: int, attempt: int, kind: str) -> Call:
        """A span for one upstream call attempt (`kind`: first, retry or hedge)."""
        return Call(self)

    def finish(self, status: int, outcome: str, degraded: Sequence[str],
               cache: str | None) -> None:
        """The request is answered (or its last part sent)."""


class Tracing:
    """Tracing off: trace ids continued and propagated, nothing recorded or exported."""

    enabled = False

    def request(self, traceparent: str | None, tracestate: str | None,
                method: str = "POST") -> RequestTrace:
        """The trace of one request: the client's continued, or a new one."""
        context = client_context(traceparent, tracestate)
        if context is not None:
            parent = get_current_span(context).get_span_context()
            if parent.is_valid:
                return RequestTrace(format(parent.trace_id, "032x"), format(new_span_id(), "016x"),
                                    format(parent.trace_flags, "02x"),
                                    parent.trace_state.to_header() or None)
        return self.background()

    def near_hit(self, traceparent: str | None, tracestate: str | None) -> RequestTrace | None:
        """A near-cache hit's trace (`FastHits`, the fastest path): with tracing off, the
        client's trace continued for the log line when it sent one, else none (nothing to
        join, nothing spent); on, a server span like any other."""
        return self.request(traceparent, tracestate, "GET") if traceparent else None

    def background(self) -> RequestTrace:
        """A new trace for work no client asked for (a stale cache entry's refill)."""
        return RequestTrace(format(random.getrandbits(128) or 1, "032x"),
                            format(new_span_id(), "016x"), f"{_SAMPLED:02x}", None)

    async def aclose(self) -> None:
        """Flush and stop the exporter (nothing to do when off)."""


def build(settings: Settings) -> Tracing:
    """Tracing on (recorded spans, OTLP/HTTP) when `BFF_OTLP_ENDPOINT` is set."""
    if settings.otlp_endpoint is None:
        return Tracing()
    from app.tracing_otel import OtelTracing  # the SDK's sampler and resource: only when on

    return OtelTracing(settings.otlp_endpoint)
