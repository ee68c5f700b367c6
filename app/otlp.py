"""OTLP/HTTP trace export: each span encoded to protobuf as it ends, sent in batches by a
thread of its own.

Why by hand: the SDK's span objects and its exporter's protobuf encoding cost about 70 µs
per span on these machines (`python -m bench.trace_cost`), 1.5 to 2.3 times the CPU of an
untraced request for a trace of 15 spans; a span written straight to its wire form costs
about 7 µs. The wire format is OTLP's `ExportTraceServiceRequest`
(opentelemetry-proto's `trace.proto`), which every collector takes; the tests decode it
with opentelemetry-proto itself.

Nothing here can slow or fail a request: `add` appends to a bounded queue (a span beyond
it is dropped and counted), and the thread alone talks to the collector, each export
bounded by `EXPORT_TIMEOUT_S`.
"""

from __future__ import annotations

import gzip
import http.client
import logging
import os
import struct
import threading
import urllib.parse
from collections import deque
from collections.abc import Mapping, Sequence

from app import metrics

log = logging.getLogger("bff.tracing")

EXPORT_TIMEOUT_S = 2.0
"""One export's limit: a hanging collector holds the export thread no longer."""
BATCH = 512
DEFAULT_QUEUE = 2048
DEFAULT_DELAY_S = 1.0

AttributeValue = str | bool | int | float | tuple[str, ...]

# Span.SpanKind and Status.StatusCode of opentelemetry/proto/trace/v1/trace.proto.
INTERNAL, SERVER, CLIENT = 1, 2, 3
_STATUS_ERROR = 2


def _varint_of(value: int) -> bytes:
    value &= 0xFFFF_FFFF_FFFF_FFFF  # int64: a negative number is its two's complement
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


_SMALL = [_varint_of(n) for n in range(1 << 14)]
"""Varints of the lengths and numbers most spans hold, made once."""


def _varint(value: int) -> bytes:
    return _SMALL[value] if 0 <= value < 16384 else _varint_of(value)


def _field(tag: bytes, payload: bytes) -> bytes:
    """A length-delimited field (string, bytes or message) after its tag byte."""
    return tag + _varint(len(payload)) + payload


# Tag bytes: (field number << 3 | wire type), each below 128 so one byte.
_LEN1, _LEN2, _LEN3, _LEN4, _LEN5 = b"\x0a", b"\x12", b"\x1a", b"\x22", b"\x2a"
_ATTRIBUTE, _STATUS, _SCOPE_SPAN = b"\x4a", b"\x7a", b"\x12"
_KIND, _START, _END = b"\x30", b"\x39", b"\x41"
_BOOL, _INT, _DOUBLE, _STATUS_CODE = b"\x10", b"\x18", b"\x21", b"\x18"
_QWORD = struct.Struct("<Q")
_DOUBLE_BYTES = struct.Struct("<d")


def _any_value(value: AttributeValue) -> bytes:
    if isinstance(value, str):
        return _field(_LEN1, value.encode())
    if isinstance(value, bool):
        return _BOOL + (b"\x01" if value else b"\x00")
    if isinstance(value, int):
        return _INT + _varint(value)
    if isinstance(value, float):
        return _DOUBLE + _DOUBLE_BYTES.pack(value)
    return _field(_LEN5, b"".join(_field(_LEN1, _any_value(item)) for item in value))


def _key_value(key: str, value: AttributeValue) -> bytes:
    return _field(_LEN1, key.encode()) + _field(_LEN2, _any_value(value))


def _attributes(tag: bytes, attributes: Mapping[str, AttributeValue]) -> bytes:
    return b"".join([_field(tag, _key_value(key, value)) for key, value in attributes.items()])


_KNOWN: dict[tuple[str, AttributeValue], bytes] = {}
"""Span attributes encoded before (a component's name, an attempt's kind, an outcome): most
of a span's attributes repeat from span to span. Keyed by (key, value): each key always
carries one type here, so `True` and `1` never meet. Bounded; nothing of a user's."""
_KNOWN_MAX = 4096


def _span_attributes(attributes: Mapping[str, AttributeValue]) -> bytes:
    known = _KNOWN
    elements = []
    for item in attributes.items():  # values are hashable: sequences come as tuples
        element = known.get(item)
        if element is None:
            element = _field(_ATTRIBUTE, _key_value(*item))
            if len(known) >= _KNOWN_MAX:
                known.clear()
            known[item] = element
        elements.append(element)
    return b"".join(elements)


def encode_span(
    trace_id: bytes, span_id: bytes, parent_span_id: bytes | None, name: str, kind: int,
    start_ns: int, end_ns: int, attributes: Mapping[str, AttributeValue],
    error: str | None = None, trace_state: str | None = None,
) -> bytes:
    """One `Span`, as an element of `ScopeSpans.spans` (tag and length included), so that
    a batch is the concatenation of its spans."""
    parts = [_LEN1, b"\x10", trace_id, _LEN2, b"\x08", span_id]
    if trace_state:
        parts.append(_field(_LEN3, trace_state.encode()))
    if parent_span_id is not None:
        parts += (_LEN4, b"\x08", parent_span_id)
    parts += (_field(_LEN5, name.encode()), _KIND, _SMALL[kind], _START, _QWORD.pack(start_ns),
              _END, _QWORD.pack(end_ns), _span_attributes(attributes))
    if error is not None:
        parts.append(_field(_STATUS, _field(_LEN2, error.encode()) + _STATUS_CODE
                            + _SMALL[_STATUS_ERROR]))
    return _field(_SCOPE_SPAN, b"".join(parts))


def encode_request(resource: Mapping[str, AttributeValue], scope: str, scope_version: str,
                   spans: Sequence[bytes]) -> bytes:
    """An `ExportTraceServiceRequest`: one resource, one instrumentation scope."""
    scope_spans = _field(_LEN1, _field(_LEN1, scope.encode())
                         + _field(_LEN2, scope_version.encode())) + b"".join(spans)
    resource_spans = _field(_LEN1, _attributes(_LEN1, resource)) + _field(_LEN2, scope_spans)
    return _field(_LEN1, resource_spans)


def headers_from_env() -> dict[str, str]:
    """`OTEL_EXPORTER_OTLP_TRACES_HEADERS` (or `OTEL_EXPORTER_OTLP_HEADERS`): `k=v,k2=v2`,
    values URL-encoded; a collector's API key, say."""
    raw = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_HEADERS") \
        or os.environ.get("OTEL_EXPORTER_OTLP_HEADERS") or ""
    headers = {}
    for item in raw.split(","):
        name, _, value = item.partition("=")
        if name.strip() and value.strip():
            headers[name.strip().lower()] = urllib.parse.unquote(value.strip())
    return headers


def gzip_from_env() -> bool:
    """`OTEL_EXPORTER_OTLP_TRACES_COMPRESSION` (or `OTEL_EXPORTER_OTLP_COMPRESSION`):
    `gzip` or `none` (the default)."""
    chosen = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION") \
        or os.environ.get("OTEL_EXPORTER_OTLP_COMPRESSION") or "none"
    return chosen.strip().lower() == "gzip"


def _env_number(name: str, default: float) -> float:
    try:
        return max(1.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


class Exporter:
    """Encoded spans in a bounded queue (`OTEL_BSP_MAX_QUEUE_SIZE`); a daemon thread posts
    them in batches (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`), every `OTEL_BSP_SCHEDULE_DELAY` ms
    or as soon as a batch is full."""

    def __init__(self, endpoint: str, resource: Mapping[str, AttributeValue], scope: str,
                 scope_version: str) -> None:
        url = urllib.parse.urlsplit(endpoint)
        self._secure = url.scheme == "https"
        self._address = (url.hostname or "127.0.0.1", url.port or (443 if self._secure else 80))
        self._path = url.path or "/v1/traces"
        self._headers = {**headers_from_env(), "content-type": "application/x-protobuf"}
        self._gzip = gzip_from_env()
        if self._gzip:
            self._headers["content-encoding"] = "gzip"
        self._resource, self._scope, self._scope_version = resource, scope, scope_version
        self._limit = int(_env_number("OTEL_BSP_MAX_QUEUE_SIZE", DEFAULT_QUEUE))
        self._delay_s = _env_number("OTEL_BSP_SCHEDULE_DELAY", DEFAULT_DELAY_S * 1000) / 1000
        self._batch = int(_env_number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", BATCH))
        self._spans: deque[bytes] = deque()
        self._wake = threading.Event()
        self._stopping = False
        self._connection: http.client.HTTPConnection | None = None
        self._failing = False  # said once when exports start failing, once when they recover
        self._thread = threading.Thread(target=self._run, name="otlp-export", daemon=True)
        self._thread.start()

    def add(self, span: bytes) -> None:
        spans = self._spans
        if len(spans) >= self._limit:
            metrics.TRACE_SPANS_DROPPED.labels("queue_full").inc()
            return
        spans.append(span)
        if len(spans) == self._batch:
            self._wake.set()

    def shutdown(self, wait_s: float) -> None:
        """Send what is queued, waiting `wait_s` at most (the thread is a daemon: a
        collector that hangs cannot hold the process's exit)."""
        self._stopping = True
        self._wake.set()
        self._thread.join(wait_s)

    def _run(self) -> None:
        while True:
            self._wake.wait(self._delay_s)
            self._wake.clear()
            self._drain()
            if self._stopping:
                return

    def take(self) -> tuple[bytes, int] | None:
        """The next batch, out of the queue: its `ExportTraceServiceRequest` and how many
        spans it holds; None when the queue is empty."""
        spans = self._spans
        if not spans:
            return None
        batch = [spans.popleft() for _ in range(min(self._batch, len(spans)))]
        return encode_request(self._resource, self._scope, self._scope_version, batch), \
            len(batch)

    def _drain(self) -> None:
        while (taken := self.take()) is not None:
            request, batch = taken
            failure = self._post(request)
            if failure is not None:
                metrics.TRACE_SPANS_DROPPED.labels("export_failed").inc(batch)
                if not self._failing:
                    log.warning("trace export failing; spans are dropped (counted in "
                                "bff_trace_spans_dropped_total)", extra={"error": failure})
            elif self._failing:
                log.info("trace export recovered")
            self._failing = failure is not None

    def _post(self, body: bytes) -> str | None:
        """None when the collector took the batch, else what went wrong."""
        try:
            connection = self._connection or self._connect()
            if self._gzip:
                body = gzip.compress(body, compresslevel=1)
            connection.request("POST", self._path, body, self._headers)
            response = connection.getresponse()
            response.read()
            if response.will_close:
                self._close()
            if 200 <= response.status < 300:
                return None
            return f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            self._close()
            return type(exc).__name__

    def _connect(self) -> http.client.HTTPConnection:
        host, port = self._address
        self._connection = (
            http.client.HTTPSConnection(host, port, timeout=EXPORT_TIMEOUT_S) if self._secure
            else http.client.HTTPConnection(host, port, timeout=EXPORT_TIMEOUT_S))
        return self._connection

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
