"""The Prometheus metrics of RUNNING.md (names and labels are binding)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

REQUESTS = Counter(
    "bff_requests_total",
    "Requests to /graphql, refused ones included.",
    ["operation", "status", "outcome"],
    registry=REGISTRY,
)
REQUEST_DURATION = Histogram(
    "bff_request_duration_seconds",
    "Time from request to response on /graphql.",
    ["operation"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
UPSTREAM_CALLS = Counter(
    "bff_upstream_calls_total",
    "Upstream calls attempted, by outcome (ok or the HTTP.md code of the failure).",
    ["component", "outcome"],
    registry=REGISTRY,
)
UPSTREAM_DURATION = Histogram(
    "bff_upstream_call_duration_seconds",
    "Upstream call duration.",
    ["component"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
DEGRADED = Counter(
    "bff_degraded_total",
    "Degraded components, once per component per response.",
    ["component", "reason"],
    registry=REGISTRY,
)
REJECTED = Counter(
    "bff_rejected_total",
    "Requests refused before execution, by HTTP.md code.",
    ["reason"],
    registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "bff_in_flight_requests",
    "/graphql requests in flight (summed over live workers).",
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
QUERY_COST = Histogram(
    "bff_query_cost",
    "Requested cost of executed operations.",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000),
    registry=REGISTRY,
)
HEDGES = Counter(
    "bff_upstream_hedges_total",
    "Second attempts sent for reads slower than their service's recent p95.",
    ["component"],
    registry=REGISTRY,
)
RETRIES = Counter(
    "bff_upstream_retries_total",
    "Retry decisions on failed idempotent reads: sent, budget (refused by the retry "
    "budget), deadline (no room left).",
    ["component", "decision"],
    registry=REGISTRY,
)
BREAKER_STATE = Gauge(
    "bff_circuit_breaker_state",
    "Circuit breaker per component: 0 closed, 1 open, 2 half-open.",
    ["component"],
    multiprocess_mode="livemax",  # a worker that exited has no breaker any more
    registry=REGISTRY,
)
RATE_LIMIT_ERRORS = Counter(
    "bff_rate_limit_store_errors_total",
    "Rate-limit decisions taken without the store (Redis failed or was too slow).",
    registry=REGISTRY,
)
PERSISTED_QUERIES = Counter(
    "bff_persisted_queries_total",
    "Persisted-query lookups and registrations: hit, miss, registered, rejected.",
    ["result"],
    registry=REGISTRY,
)
CACHE_REQUESTS = Counter(
    "bff_cache_requests_total",
    "Cache lookups by layer (response, entity) and result (hit, miss, stale; error: a cache "
    "call Redis did not answer, lookups and writes alike).",
    ["layer", "result"],
    registry=REGISTRY,
)
TRACE_SPANS_DROPPED = Counter(
    "bff_trace_spans_dropped_total",
    "Trace spans not exported: queue_full (the export queue was full), export_failed (the "
    "collector refused, failed or did not answer).",
    ["reason"],
    registry=REGISTRY,
)
EVENT_LOOP_LAG = Histogram(
    "bff_event_loop_lag_seconds",
    "How late the event loop runs a callback scheduled on time (sampled every 0.5 s).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)


def exposition() -> tuple[bytes, str]:
    """The /metrics body: this process's metrics, or every worker's when `bff serve
    --workers N` runs them in prometheus_client's multiprocess mode."""
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
