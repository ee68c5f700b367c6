"""Tracing (issue 17): real spans exported by OTLP/HTTP to a real receiver on 127.0.0.1,
joined with the logs; and, with tracing off, trace context still continued without the SDK."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from app import metrics
from app.logs import JsonFormatter
from app.server import create_app
from app.settings import load_settings
from app.tracing import Tracing
from demo.server import DemoServer
from tests.conftest import operation
from tests.otlp_receiver import CLIENT, SERVER, STATUS_ERROR, Receiver, closed_port
from tests.servers import BffServer, Demo

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"
VARIABLES = {"id": "p0001", "postcode": "10115"}
FAILING = "shipping"  # optional: deliveryEstimate degrades


def _bff(demo_server: DemoServer, **settings: Any) -> tuple[BffServer, Any]:
    settings.setdefault("breaker_min_calls", 100_000)
    app = create_app(load_settings(demo_server.upstream_env(), **settings))
    return BffServer(app).start(), app


def _product_page(bff: BffServer, request_id: str, *, suffix: str = "",
                  traceparent: str = TRACEPARENT) -> httpx.Response:
    """ProductPage; a `suffix` (a comment) makes its text one no cache has seen."""
    with httpx.Client(timeout=10) as http:
        return http.post(bff.url, json={"query": operation("ProductPage") + suffix,
                                        "variables": VARIABLES},
                         headers={"traceparent": traceparent, "x-request-id": request_id})


def _received(demo: Demo, request_id: str) -> list[dict[str, Any]]:
    """The calls the demo upstreams received for one request, with their headers."""
    return [entry for entry in demo.stats()["log"]
            if entry["headers"].get("x-request-id") == request_id]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def test_product_page_with_a_failing_service_is_one_trace(
    demo_server: DemoServer, demo: Demo, receiver: Receiver, caplog: pytest.LogCaptureFixture,
) -> None:
    demo.fault(FAILING, mode="status", status=500)
    bff, app = _bff(demo_server, otlp_endpoint=receiver.endpoint)
    try:
        assert app.state.tracing.enabled
        with caplog.at_level(logging.INFO, logger="bff"):
            response = _product_page(bff, "trace-tree-1", suffix="\n# one trace\n")
    finally:
        bff.stop()  # shutting down flushes the spans to the receiver
    body = response.json()
    assert response.status_code == 200
    assert list(body["extensions"]["degraded"]["components"]) == [FAILING]
    assert body["extensions"]["trace"]["traceId"] == CLIENT_TRACE
    calls = body["extensions"]["trace"]["calls"]

    spans = receiver.spans
    assert {s.trace_id for s in spans} == {CLIENT_TRACE}, "one trace, the client's"
    assert spans[0].resource["service.name"] == "storefront-bff"
    servers = [s for s in spans if s.kind == SERVER]
    assert len(servers) == 1
    server = servers[0]
    assert server.parent_span_id == CLIENT_SPAN, "continues the client's span"
    assert server.name == "query ProductPage"
    assert server.attributes["graphql.operation.name"] == "ProductPage"
    assert server.attributes["graphql.operation.type"] == "query"
    assert len(server.attributes["graphql.document.hash"]) == 64
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["bff.outcome"] == "degraded"
    assert server.attributes["bff.degraded"] == [FAILING]
    assert server.attributes["bff.cost.requested"] == body["extensions"]["cost"][
        "requestedQueryCost"]
    by_id = {s.span_id: s for s in spans}
    (execute,) = [s for s in spans if s.name == "graphql.execute"]
    assert execute.parent_span_id == server.span_id
    (admission,) = [s for s in spans if s.name == "graphql.parse_validate"]  # a new document
    assert admission.parent_span_id == server.span_id

    clients = [s for s in spans if s.kind == CLIENT]
    assert len(clients) == len(calls), "one client span per upstream call"
    assert sorted(s.attributes["bff.component"] for s in clients) == \
        sorted(c["component"] for c in calls)
    for span in clients:
        assert by_id[span.parent_span_id] is execute
        attributes = span.attributes
        assert attributes["bff.attempt"] == 1 and attributes["bff.attempt.kind"] == "first"
        assert 0 < attributes["bff.timeout_ms"] <= attributes["bff.budget_left_ms"]
        assert attributes["bff.cancelled"] is False
        if attributes["bff.component"] == FAILING:
            assert attributes["bff.outcome"] == "DEPENDENCY_ERROR"
            assert span.status_code == STATUS_ERROR
            assert span.status_message == "DEPENDENCY_ERROR"
        else:
            assert attributes["bff.outcome"] == "ok"
            assert span.status_code != STATUS_ERROR
    assert any("bff.ids.count" in s.attributes for s in clients)

    received = _received(demo, "trace-tree-1")
    assert len(received) == len(clients)
    named = set()
    for entry in received:
        version, trace_id, span_id, flags = entry["headers"]["traceparent"].split("-")
        assert (version, trace_id, flags) == ("00", CLIENT_TRACE, "01")
        assert by_id[span_id].kind == CLIENT
        assert by_id[span_id].attributes["bff.component"] == entry["service"]
        named.add(span_id)
    assert named == {s.span_id for s in clients}, "each call carries its own span"

    (line,) = [r for r in caplog.records if r.getMessage() == "graphql request"]
    logged = json.loads(JsonFormatter().format(line))
    assert (logged["trace_id"], logged["span_id"]) == (CLIENT_TRACE, server.span_id)
    (warning,) = [r for r in caplog.records if r.getMessage() == "upstream call failed"]
    assert warning.levelno == logging.WARNING
    failed = by_id[warning.__dict__["span_id"]]
    assert failed.attributes["bff.component"] == FAILING
    assert warning.__dict__["trace_id"] == CLIENT_TRACE


def test_parse_and_validate_are_a_span_only_when_not_cached(
    demo_server: DemoServer, demo: Demo, receiver: Receiver,
) -> None:
    bff, _ = _bff(demo_server, otlp_endpoint=receiver.endpoint)
    try:
        for n in range(2):
            _product_page(bff, f"admission-{n}", suffix="\n# admission\n",
                          traceparent=f"00-{n + 1:032x}-{CLIENT_SPAN}-01")
    finally:
        bff.stop()
    servers = {s.trace_id: s for s in receiver.spans if s.kind == SERVER}
    assert len(servers) == 2
    (admission,) = [s for s in receiver.spans if s.name == "graphql.parse_validate"]
    assert admission.parent_span_id == servers[f"{1:032x}"].span_id, "the first request's"


def _dropped(reason: str) -> float:
    return metrics.REGISTRY.get_sample_value("bff_trace_spans_dropped_total",
                                             {"reason": reason}) or 0.0


def _answers(bff: BffServer, count: int) -> list[tuple[int, Any, list[Any], list[str]]]:
    """Status, data, error codes and upstream call outcomes of `count` ProductPages."""
    seen = []
    for n in range(count):
        body = _product_page(bff, f"answer-{n}")
        decoded = body.json()
        seen.append((body.status_code, decoded["data"],
                     [e["extensions"]["code"] for e in decoded.get("errors", [])],
                     sorted(f"{c['component']}:{c['outcome']}"
                            for c in decoded["extensions"]["trace"]["calls"])))
    return seen


@pytest.mark.parametrize("collector", ["down", "hangs"])
def test_a_collector_down_or_hanging_changes_no_response(
    demo_server: DemoServer, demo: Demo, collector: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    demo.fault(FAILING, mode="status", status=500)
    off, _ = _bff(demo_server)
    try:
        expected = _answers(off, 1)[0]
    finally:
        off.stop()
    # Export at once, one span a batch, and a queue of 4: the exporter is busy with the
    # collector while the requests run, and the queue overflows.
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "1")
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1")
    monkeypatch.setenv("OTEL_BSP_MAX_QUEUE_SIZE", "4")
    hanging = Receiver(hang=True).start() if collector == "hangs" else None
    endpoint = hanging.endpoint if hanging else f"http://127.0.0.1:{closed_port()}"
    full_before = _dropped("queue_full")
    bff, app = _bff(demo_server, otlp_endpoint=endpoint)
    try:
        assert app.state.tracing.enabled
        answers = _answers(bff, 5)
    finally:
        bff.stop()
        if hanging:
            hanging.stop()
    assert answers == [expected] * 5
    assert "DEADLINE_EXCEEDED" not in str(answers)
    # 5 requests of ~10 spans each cannot all fit a queue of 4 behind a stuck exporter.
    assert _dropped("queue_full") > full_before


def test_tracing_off_makes_no_sdk_objects_yet_continues_the_trace(
    demo_server: DemoServer, demo: Demo,
) -> None:
    """Off: in a fresh interpreter, the SDK's tracing is never even imported (redis imports
    parts of its metrics, not ours to say); the client's trace id
    is in `extensions.trace` and the log line, and each upstream call gets a traceparent
    of that trace with a span id of its own."""
    script = """
import json, logging, sys
from starlette.testclient import TestClient
from app.server import create_app
from app.settings import load_settings
from app.tracing import Tracing
records = []
class Keep(logging.Handler):
    def emit(self, record): records.append(record)
logging.getLogger("bff.request").addHandler(Keep())
logging.getLogger("bff.request").setLevel(logging.INFO)
app = create_app(load_settings())
with TestClient(app) as client:
    response = client.post("/graphql", json={"query": sys.argv[1], "variables": json.loads(
        sys.argv[2])}, headers={"traceparent": sys.argv[3], "x-request-id": "trace-off-1"})
    tracing = app.state.tracing
line = [r for r in records if r.getMessage() == "graphql request"][0]
print(json.dumps({"body": response.json(), "type": type(tracing).__name__,
                  "sdk": [m for m in sys.modules if m.startswith(
                      ("opentelemetry.sdk.trace", "opentelemetry.exporter"))],
                  "trace_id": line.trace_id, "span_id": line.span_id}))
"""
    environ = {**os.environ, **demo_server.upstream_env()}
    environ.pop("BFF_OTLP_ENDPOINT", None)
    done = subprocess.run(
        [sys.executable, "-c", script, operation("ProductPage"), json.dumps(VARIABLES),
         TRACEPARENT], capture_output=True, text=True, env=environ, timeout=120, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["type"] == Tracing.__name__
    assert seen["sdk"] == [], "no SDK tracing or exporter module loaded when off"
    assert seen["body"]["extensions"]["trace"]["traceId"] == CLIENT_TRACE
    assert seen["trace_id"] == CLIENT_TRACE
    assert len(seen["span_id"]) == 16 and seen["span_id"] != CLIENT_SPAN
    received = _received(demo, "trace-off-1")
    assert len(received) == len(seen["body"]["extensions"]["trace"]["calls"]) > 0
    span_ids = set()
    for entry in received:
        _, trace_id, span_id, flags = entry["headers"]["traceparent"].split("-")
        assert (trace_id, flags) == (CLIENT_TRACE, "01")
        span_ids.add(span_id)
    assert len(span_ids) == len(received), "a fresh span id per upstream call"
    assert CLIENT_SPAN not in span_ids and seen["span_id"] not in span_ids


def test_without_a_client_traceparent_a_new_trace_starts(
    demo_server: DemoServer, demo: Demo,
) -> None:
    bff, app = _bff(demo_server)
    try:
        assert type(app.state.tracing) is Tracing
        with httpx.Client(timeout=10) as http:
            body = http.post(bff.url, json={"query": operation("ProductPage"),
                                            "variables": VARIABLES},
                             headers={"traceparent": "00-garbage", "x-request-id": "new-1"}
                             ).json()
    finally:
        bff.stop()
    trace_id = body["extensions"]["trace"]["traceId"]
    assert len(trace_id) == 32 and trace_id != "0" * 32
    assert {e["headers"]["traceparent"].split("-")[1] for e in _received(demo, "new-1")} \
        == {trace_id}


def test_event_loop_lag_is_a_metric(demo_server: DemoServer) -> None:
    bff, _ = _bff(demo_server)
    try:
        with httpx.Client(timeout=10) as http:
            for _ in range(100):  # sampled every 0.5 s: wait for one sample, 10 s at most
                text = http.get(f"{bff.base_url}/metrics").text
                counts = [line for line in text.splitlines()
                          if line.startswith("bff_event_loop_lag_seconds_count ")]
                if counts and float(counts[0].split()[1]) >= 1:
                    break
                time.sleep(0.1)
    finally:
        bff.stop()
    assert "# TYPE bff_event_loop_lag_seconds histogram" in text
    assert counts and float(counts[0].split()[1]) >= 1


def test_otlp_endpoint_is_validated_with_its_name() -> None:
    from app.settings import SettingsError

    assert load_settings({"BFF_OTLP_ENDPOINT": "http://127.0.0.1:4318"}).otlp_endpoint == \
        "http://127.0.0.1:4318/v1/traces"
    assert load_settings({"BFF_OTLP_ENDPOINT": "https://otel.example/custom/v1/traces"}
                         ).otlp_endpoint == "https://otel.example/custom/v1/traces"
    assert load_settings({}).otlp_endpoint is None
    with pytest.raises(SettingsError, match="BFF_OTLP_ENDPOINT: must be an http"):
        load_settings({"BFF_OTLP_ENDPOINT": "127.0.0.1:4318"})


def test_a_retried_read_is_two_client_spans(
    demo_server: DemoServer, demo: Demo, receiver: Receiver,
) -> None:
    demo.fault("reviews", path="/summaries", mode="status", status=503, times=1)
    bff, _ = _bff(demo_server, otlp_endpoint=receiver.endpoint)
    try:
        body = _product_page(bff, "retried-1").json()
    finally:
        bff.stop()
    assert "errors" not in body, "the retry answered"
    summaries = sorted(
        (s for s in receiver.spans if s.kind == CLIENT
         and s.span_id in {e["headers"]["traceparent"].split("-")[2]
                           for e in _received(demo, "retried-1") if e["path"].endswith(
                               "/summaries")}),
        key=lambda s: s.attributes["bff.attempt"])
    seen = [(s.attributes["bff.attempt"], s.attributes["bff.attempt.kind"],
             s.attributes["bff.outcome"], s.status_code == STATUS_ERROR) for s in summaries]
    assert seen.count((1, "first", "DEPENDENCY_UNAVAILABLE", True)) == 1
    assert seen.count((2, "retry", "ok", False)) == 1, seen
    assert all(kind != "hedge" for _, kind, _, _ in seen)


def test_a_hedged_read_is_two_client_spans_the_loser_cancelled(
    demo_server: DemoServer, demo: Demo, receiver: Receiver,
) -> None:
    from tests.test_hedging import QUERY, SlowOnce

    service = SlowOnce()
    upstream = BffServer(Starlette(routes=[Route("/summaries", service.summaries)])).start()
    bff, _ = _bff(demo_server, otlp_endpoint=receiver.endpoint, hedging="on",
                  upstreams={"reviews": {"url": upstream.base_url, "timeout_ms": 600}})
    try:
        with httpx.Client(timeout=10) as http:
            for _ in range(25):  # the service's recent latency: fast
                http.post(bff.url, json={"query": QUERY}).raise_for_status()
            service.slow_call = service.calls + 1
            body = http.post(bff.url, json={"query": QUERY},
                             headers={"traceparent": TRACEPARENT}).json()
    finally:
        bff.stop()
        upstream.stop()
    assert body["data"]["product"]["rating"] == {"count": 7}, body
    reviews = sorted((s for s in receiver.spans if s.trace_id == CLIENT_TRACE
                      and s.kind == CLIENT and s.attributes["bff.component"] == "reviews"),
                     key=lambda s: s.attributes["bff.attempt"])
    assert [(s.attributes["bff.attempt"], s.attributes["bff.attempt.kind"],
             s.attributes["bff.outcome"], s.attributes["bff.cancelled"],
             s.status_code == STATUS_ERROR) for s in reviews] == [
        (1, "first", "cancelled", True, False), (2, "hedge", "ok", False, False)]


def test_cache_hits_are_traced_the_near_cache_too(
    demo_server: DemoServer, demo: Demo, receiver: Receiver,
) -> None:
    from tests.cache_helpers import cached_bff, delete_prefix, new_prefix
    from tests.test_response_cache import get, register, unique_product_query

    prefix = new_prefix()
    bff = cached_bff(demo_server, prefix, otlp_endpoint=receiver.endpoint)
    traces = [f"{n + 10:032x}" for n in range(3)]
    try:
        query = unique_product_query()
        assert register(bff, query).headers["x-cache"] == "MISS"
        seen = [get(bff, query, headers={"traceparent": f"00-{t}-{CLIENT_SPAN}-01"})
                for t in traces]  # from Redis, then twice from the near-cache
    finally:
        bff.stop()
        delete_prefix(prefix)
    assert [a.headers["x-cache"] for a in seen] == ["HIT"] * 3
    for trace_id in traces:
        spans = [s for s in receiver.spans if s.trace_id == trace_id]
        assert [(s.kind, s.attributes["bff.cache"], s.parent_span_id) for s in spans] == [
            (SERVER, "HIT", CLIENT_SPAN)], "one server span, no upstream call"


def test_the_standard_otel_variables_are_honoured(
    demo_server: DemoServer, demo: Demo, receiver: Receiver, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "shop-edge")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=staging")
    bff, _ = _bff(demo_server, otlp_endpoint=receiver.endpoint)
    try:
        _product_page(bff, "named-1").raise_for_status()
    finally:
        bff.stop()
    assert receiver.spans
    assert {(s.resource["service.name"], s.resource["deployment.environment"])
            for s in receiver.spans} == {("shop-edge", "staging")}

    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    unsampled = Receiver().start()
    bff, _ = _bff(demo_server, otlp_endpoint=unsampled.endpoint)
    try:
        body = _product_page(bff, "unsampled-1").json()
    finally:
        bff.stop()
        unsampled.stop()
    assert unsampled.spans == [], "not sampled: nothing exported"
    assert body["extensions"]["trace"]["traceId"] == CLIENT_TRACE
    flags = {e["headers"]["traceparent"].split("-")[3] for e in _received(demo, "unsampled-1")}
    assert flags == {"00"}, "the upstreams are told the trace is not sampled"


def test_entity_cache_lookups_and_a_stale_fallback_are_traced(
    demo_server: DemoServer, demo: Demo, receiver: Receiver,
) -> None:
    """Each entity-cache lookup is a span (its Redis round trip, ids and hits); an entity
    served stale because its service failed is on the server span, as in
    `extensions.degraded`."""
    from tests.cache_helpers import cached_bff, delete_prefix, new_prefix
    from tests.test_entity_cache import products

    prefix = new_prefix()
    bff = cached_bff(demo_server, prefix, response_cache="off", otlp_endpoint=receiver.endpoint,
                     entity_cache_ttl_s={"reviews": 2})
    ids, fields = ["p0021", "p0022"], "id rating { average count }"
    try:
        assert "errors" not in products(bff.url, ids, fields)  # stored
        assert "errors" not in products(bff.url, ids, fields)  # fresh: from the cache
        time.sleep(2.1)  # past the TTL: a fallback only now
        demo.fault("reviews", path="/summaries", mode="status", status=503)
        stale = products(bff.url, ids, fields)
    finally:
        bff.stop()
        delete_prefix(prefix)
    assert stale["extensions"]["degraded"]["components"]["reviews"]["status"] == "fallback"
    servers = [s for s in receiver.spans if s.kind == SERVER]
    assert [(s.attributes.get("bff.fallback"), s.attributes["bff.degraded"]) for s in servers] \
        == [(None, []), (None, []), (["reviews"], ["reviews"])]
    seen = []
    for server in servers:
        (lookup,) = [s for s in receiver.spans if s.trace_id == server.trace_id
                     and s.name == "entity_cache review_summaries"]
        (execute,) = [s for s in receiver.spans if s.trace_id == server.trace_id
                      and s.name == "graphql.execute"]
        assert (lookup.kind, lookup.status_code, lookup.parent_span_id) == (
            CLIENT, 0, execute.span_id)
        reviews = [s for s in receiver.spans if s.trace_id == server.trace_id
                   and s.attributes.get("bff.component") == "reviews"]
        assert all(s.attributes["bff.ids.count"] == 2 for s in reviews)
        seen.append((lookup.attributes, len(reviews) > 0))
    asked = {"bff.entity_cache.loader": "review_summaries", "bff.ids.count": 2}
    assert seen == [({**asked, "bff.entity_cache.hits": 0}, True),
                    ({**asked, "bff.entity_cache.hits": 2}, False),  # no call at all
                    ({**asked, "bff.entity_cache.hits": 0}, True)]


def test_a_near_cache_hit_with_tracing_off_logs_the_clients_trace(
    demo_server: DemoServer, demo: Demo, caplog: pytest.LogCaptureFixture,
) -> None:
    """The fastest path still joins the client's trace in its log line (and parses nothing
    when the client sent no `traceparent`)."""
    from tests.cache_helpers import cached_bff, delete_prefix, new_prefix
    from tests.test_response_cache import get, register, unique_product_query

    prefix = new_prefix()
    bff = cached_bff(demo_server, prefix)
    try:
        query = unique_product_query()
        register(bff, query)
        get(bff, query)  # from Redis; the near-cache learns the query string
        with caplog.at_level(logging.INFO, logger="bff.request"):
            seen = [get(bff, query, headers={"traceparent": TRACEPARENT}), get(bff, query)]
    finally:
        bff.stop()
        delete_prefix(prefix)
    assert [answer.headers["x-cache"] for answer in seen] == ["HIT", "HIT"]
    lines = [r for r in caplog.records if r.getMessage() == "graphql request"]
    assert [(r.cache, r.trace_id) for r in lines] == [("HIT", CLIENT_TRACE), ("HIT", None)]
    assert lines[0].span_id != CLIENT_SPAN
