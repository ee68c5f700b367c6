"""The BFF's own counters (`GET /metrics`, names binding per RUNNING.md), read by the bench.

Used to count the requests the server handled, including those a load generator
abandoned when its run ended: the server still executes them, and their upstream
calls are counted by the demo upstreams, so per-request ratios divide by this count.
"""

from __future__ import annotations

import contextlib
import re
import time

import httpx

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([0-9.eE+-]+|NaN)$",
                     re.MULTILINE)


def scrape(base_url: str) -> dict[str, float] | None:
    """Metric name -> sum over its label sets; None when the server has no /metrics."""
    try:
        response = httpx.get(f"{base_url}/metrics", timeout=5.0)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    totals: dict[str, float] = {}
    for name, _labels, value in _SAMPLE.findall(response.text):
        with contextlib.suppress(ValueError):
            totals[name] = totals.get(name, 0.0) + float(value)
    return totals


def requests_handled(base_url: str) -> int | None:
    totals = scrape(base_url)
    if totals is None or "bff_requests_total" not in totals:
        return None
    return int(totals["bff_requests_total"])


def drain(base_url: str, timeout_s: float = 10.0) -> bool:
    """Wait until the server has no /graphql request in flight (gauge `bff_in_flight_requests`).

    Without that gauge, waits until `bff_requests_total` stops moving.
    """
    deadline = time.monotonic() + timeout_s
    last: float | None = None
    while time.monotonic() < deadline:
        totals = scrape(base_url)
        if totals is None:
            return False
        if "bff_in_flight_requests" in totals:
            if totals["bff_in_flight_requests"] <= 0:
                return True
        else:
            current = totals.get("bff_requests_total")
            if current is not None and current == last:
                return True
            last = current
        time.sleep(0.1)
    return False
