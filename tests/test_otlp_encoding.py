"""The BFF's own OTLP encoding, read back with opentelemetry-proto's messages: what a
collector decodes is what was recorded, every value type and optional field included."""

from __future__ import annotations

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from app import otlp
from tests.otlp_receiver import Receiver

TRACE = bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736")
SPAN, PARENT = bytes.fromhex("00f067aa0ba902b7"), bytes.fromhex("a3ce929d0e0e4736")


def _decode(request: bytes) -> ExportTraceServiceRequest:
    return ExportTraceServiceRequest.FromString(request)


def test_a_span_with_every_field_and_value_type_reads_back() -> None:
    attributes: dict[str, otlp.AttributeValue] = {
        "text": "GET reviews", "unicode": "Köln ✓", "yes": True, "no": False, "zero": 0,
        "large": 1 << 40, "negative": -3, "ratio": 0.25, "list": ("shipping", "reviews"),
        "empty": (), "long": "x" * 20_000,
    }
    span = otlp.encode_span(TRACE, SPAN, PARENT, "query ProductPage", otlp.SERVER,
                            1_765_000_000_123_456_789, 1_765_000_000_223_456_789, attributes,
                            error="DEPENDENCY_TIMEOUT", trace_state="vendor=1")
    request = _decode(otlp.encode_request({"service.name": "storefront-bff", "n": 2},
                                          "storefront-bff", "1.2.3", [span, span]))
    (resource_spans,) = request.resource_spans
    assert {a.key: a.value.string_value or a.value.int_value
            for a in resource_spans.resource.attributes} == {"service.name": "storefront-bff",
                                                              "n": 2}
    (scope_spans,) = resource_spans.scope_spans
    assert (scope_spans.scope.name, scope_spans.scope.version) == ("storefront-bff", "1.2.3")
    first, second = scope_spans.spans
    assert first == second
    assert (first.trace_id, first.span_id, first.parent_span_id) == (TRACE, SPAN, PARENT)
    assert (first.name, first.kind, first.trace_state) == ("query ProductPage", 2, "vendor=1")
    assert (first.start_time_unix_nano, first.end_time_unix_nano) == (
        1_765_000_000_123_456_789, 1_765_000_000_223_456_789)
    assert (first.status.code, first.status.message) == (2, "DEPENDENCY_TIMEOUT")
    read = {}
    for attribute in first.attributes:
        value = attribute.value
        which = value.WhichOneof("value")
        read[attribute.key] = tuple(v.string_value for v in value.array_value.values) \
            if which == "array_value" else getattr(value, which)
    assert read == attributes


def test_a_root_span_without_error_has_no_parent_and_an_unset_status() -> None:
    span = otlp.encode_span(TRACE, SPAN, None, "GET catalog", otlp.CLIENT, 1, 2, {})
    (decoded,) = _decode(otlp.encode_request({}, "s", "v", [span])).resource_spans[0] \
        .scope_spans[0].spans
    assert decoded.parent_span_id == b"" and decoded.kind == otlp.CLIENT
    assert decoded.status.code == 0 and not decoded.attributes


def test_repeated_attributes_are_encoded_alike_and_values_of_one_key_never_mix() -> None:
    """The encoder remembers attributes it has seen: the same value reads the same, another
    value of the same key reads as itself."""
    spans = [otlp.encode_span(TRACE, SPAN, None, "s", otlp.CLIENT, 1, 2,
                              {"bff.outcome": outcome, "bff.attempt": attempt})
             for outcome, attempt in (("ok", 1), ("DEPENDENCY_ERROR", 2), ("ok", 1))]
    decoded = _decode(otlp.encode_request({}, "s", "v", spans)).resource_spans[0] \
        .scope_spans[0].spans
    assert [(s.attributes[0].value.string_value, s.attributes[1].value.int_value)
            for s in decoded] == [("ok", 1), ("DEPENDENCY_ERROR", 2), ("ok", 1)]


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_the_exporter_sends_the_configured_headers_and_compression(
    monkeypatch: pytest.MonkeyPatch, compression: str,
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=s3cret%20key,x-team=bff")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", compression)
    receiver = Receiver().start()
    exporter = otlp.Exporter(f"{receiver.endpoint}/v1/traces", {"service.name": "t"}, "s", "v")
    try:
        exporter.add(otlp.encode_span(TRACE, SPAN, None, "s", otlp.CLIENT, 1, 2, {}))
        exporter.shutdown(5)
    finally:
        receiver.stop()
    assert [span.span_id for span in receiver.spans] == [SPAN.hex()]
    assert receiver.headers["x-api-key"] == "s3cret key"
    assert receiver.headers["x-team"] == "bff"
    assert receiver.headers.get("content-encoding") == ("gzip" if compression == "gzip"
                                                        else None)
