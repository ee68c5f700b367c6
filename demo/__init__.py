"""Demo implementation of the ten upstream services (UPSTREAMS.md), for the embedded
default, tests and benchmarks.

One HTTP server, one base URL per service: ``http://HOST:PORT/<service>`` for users,
catalog, pricing, inventory, reviews, recommendations, cart, orders, promotions and
shipping (so ``BFF_UPSTREAM_CATALOG_URL=http://127.0.0.1:8100/catalog``). Every service
call needs ``Authorization: Bearer <anything>`` (else 401 ``unauthorized``). Data is
generated deterministically (same in every process; timestamps are relative to the
current UTC day); batch answers come in random order; cart state is in memory.

Run it: ``bff demo-upstreams [--host H] [--port P]``, ``DemoServer().start()`` (background
thread, free port), or ``run_demo_upstreams(host, port, latency)``.

Control and observation API (no auth, JSON in and out):

- ``GET /__demo/health`` -> ``{"status": "ok", "services": [...]}``.
- ``GET /__demo/stats[?limit=N]`` -> ``{"calls": {"<service> <path template>": count},
  "log": [{"service", "path", "template", "method", "ids": [...] | null, "query": {...},
  "headers": {...}, "status", "fault"}]}``: the last 10,000 calls, oldest first
  (``limit``: only the last N; ``path`` is relative to the service's base URL).
  Templates: ``catalog /products``, ``catalog /search``, ``reviews /summaries``,
  ``reviews /reviews``, ``cart /carts/{userId}``, ``cart /carts/{userId}/items`` (POST),
  ``cart /carts/{userId}/items/{productId}`` (DELETE), ... ``headers`` keeps those
  present among x-request-id, traceparent, x-request-timeout-ms, authorization,
  x-user-id, idempotency-key. ``status`` is the HTTP status sent (0 for a reset
  connection, null while still running); ``fault`` the injected mode or null. Calls are
  counted even when a fault is injected. Per call: count and log, then latency, then
  the fault (if any), then the auth check.
- ``POST /__demo/reset``: clears counters, log and faults, puts latency back to the
  start-up setting (none unless given to ``create_demo_app``/the CLI), and carts and
  idempotency records back to their initial state.
- ``PUT /__demo/faults`` with ``{"service": "reviews", "path": "/summaries" (optional:
  default every path of the service; a template such as "/carts/{userId}/items" or a
  concrete path), "mode": "hang" | "status" | "reset" | "invalid_json" | "wrong_shape",
  "status": 503 (mode status, 400..599), "retryAfter": 2 (optional, seconds), "rate": 1.0
  (probability 0..1), "hang_s": 30, "times": 1 (optional: only the next N calls it
  matches, then it retires)}`` (or a list of those). One fault per service+path;
  the most specific applies. ``hang`` sleeps hang_s then answers normally (ended early
  when faults are cleared); ``status`` answers ``{"error", "message"}`` with that status;
  ``reset`` drops the TCP connection (RST) without a response; ``invalid_json`` answers
  200 with a truncated JSON body; ``wrong_shape`` answers 200 with the expected list
  key holding a string and every other key missing. ``GET`` lists the active faults,
  ``DELETE`` clears them all.
- ``PUT /__demo/latency`` with ``{"service": "reviews" | "*", "p50_ms": 20, "p99_ms":
  120}`` (p99_ms defaults to p50_ms): a delay before every call of the service (fixed
  when p50 == p99, else log-normal with that median and 99th percentile, capped at
  5 x p99); a service's own setting wins over "*". ``GET`` lists, ``DELETE`` clears all
  (start-up latency included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from demo.app import create_demo_app
    from demo.core import SERVICES
    from demo.server import DemoServer, parse_latency_arg, run_demo_upstreams, serve

__all__ = [
    "SERVICES",
    "DemoServer",
    "create_demo_app",
    "parse_latency_arg",
    "run_demo_upstreams",
    "serve",
]

_HOMES = {
    "SERVICES": "demo.core",
    "create_demo_app": "demo.app",
    "DemoServer": "demo.server",
    "parse_latency_arg": "demo.server",
    "run_demo_upstreams": "demo.server",
    "serve": "demo.server",
}


def __getattr__(name: str) -> Any:
    """Lazy exports: ``import demo.data`` alone must not pull in uvicorn and Starlette."""
    if name not in _HOMES:
        raise AttributeError(f"module 'demo' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
