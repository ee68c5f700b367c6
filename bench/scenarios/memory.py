"""Scenario 6: resident memory after warm-up and after many requests (no growth), and per
request in flight."""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import replace

import httpx

from bench import operations
from bench.context import Bench
from bench.loadgen.spec import LoadSpec
from bench.result import ScenarioResult
from bench.upstream_control import UpstreamControl

NAME = "memory"
TITLE = "6. Memory: growth under sustained load, cost per request in flight"
GROWTH_LIMIT_MIB = 10.0
GROWTH_LIMIT_SHARE = 0.10
CHUNK_S = 20.0
HOLD_SERVICE = "pricing"
HOLD_MS = 500.0
_IN_FLIGHT = re.compile(r"^bff_in_flight_requests\s+([0-9.eE+-]+)$", re.MULTILINE)

MIB = 1024 * 1024


def _mib(value: float) -> float:
    return round(value / MIB, 1)


def run(bench: Bench) -> ScenarioResult:
    cfg = bench.config
    result = ScenarioResult(NAME, TITLE, params={
        "operation": "SearchResults, 8 search terms x first 10/20, cycled",
        "requests_asked": cfg.memory_requests, "time_cap_s": cfg.memory_max_s,
        "clients": cfg.saturation_clients,
        "in_flight_probe": f"{cfg.memory_in_flight} clients while {HOLD_SERVICE} answers in "
                           f"{HOLD_MS:g} ms (X-Request-Timeout-Ms: 5000)",
    })
    control = bench.cluster.start_upstreams()
    bff = bench.cluster.bff("memory")
    try:
        _growth(bench, result, bff.graphql_url, control)
        _in_flight(bench, result, bff.graphql_url)
    finally:
        bench.cluster.stop("memory")
    return result


def _growth(bench: Bench, result: ScenarioResult, url: str, control: UpstreamControl) -> None:
    cfg = bench.config
    server = bench.cluster.bff("memory")
    spec = LoadSpec(url, "POST", {"Content-Type": "application/json"}, operations.search_mix(),
                    cfg.saturation_clients, CHUNK_S)
    control.fresh()
    served = failed = with_errors = 0
    if cfg.warmup_s > 0:
        warm = bench.load(replace(spec, duration_s=2 * cfg.warmup_s))
        served, failed = warm.requests, warm.failed
        with_errors = warm.graphql_error_responses or 0
    rss_warm = server.proc.rss_bytes()
    started = time.monotonic()
    curve = [(served, _mib(rss_warm))]
    measured = 0
    while measured < cfg.memory_requests:
        left_s = cfg.memory_max_s - (time.monotonic() - started)
        if left_s < 1:
            break
        chunk = bench.load(replace(spec, duration_s=min(CHUNK_S, left_s)))
        control.clear_timings()  # keep the upstreams' own bounded buffers small
        measured += chunk.requests
        served += chunk.requests
        failed += chunk.failed
        with_errors += chunk.graphql_error_responses or 0
        curve.append((served, _mib(server.proc.rss_bytes())))
    rss_end = server.proc.rss_bytes()
    growth = rss_end - rss_warm
    limit = max(GROWTH_LIMIT_MIB * MIB, GROWTH_LIMIT_SHARE * rss_warm)
    table = result.table("Resident memory of the BFF process", [
        "after warm-up (MiB)", "requests after warm-up", "after them (MiB)", "growth (MiB)",
        "growth limit (MiB)", "answers with errors", "failed"])
    table.add(_mib(rss_warm), measured, _mib(rss_end), _mib(growth), _mib(limit), with_errors,
              failed)
    result.raw["rss_curve_mib"] = curve
    result.params["requests_measured"] = measured
    if measured < cfg.memory_requests:
        result.notes.append(
            f"ran {measured:,} requests after warm-up, not the {cfg.memory_requests:,} asked: "
            f"the {cfg.memory_max_s:g} s time cap keeps the whole bench near 10 minutes on this "
            "machine (raise it with --memory-max-s).")
    result.target("no memory growth", f"<= {_mib(limit)} MiB after {measured:,} requests",
                  f"{_mib(growth):+} MiB", growth <= limit)
    result.target("zero failed requests (memory)", "0", str(failed), failed == 0)


def _in_flight(bench: Bench, result: ScenarioResult, url: str) -> None:
    cfg = bench.config
    server = bench.cluster.bff("memory")
    control = bench.cluster.control
    assert control is not None
    control.fresh()
    control.latency(HOLD_SERVICE, HOLD_MS)
    idle = server.proc.rss_bytes()
    rss: list[int] = []
    in_flight: list[float] = []
    metrics = httpx.Client(timeout=2.0)

    def sample() -> None:
        rss.append(server.proc.rss_bytes())
        try:
            match = _IN_FLIGHT.search(metrics.get(url.replace("/graphql", "/metrics")).text)
        except httpx.HTTPError:
            match = None
        if match:
            in_flight.append(float(match.group(1)))

    headers = {"Content-Type": "application/json", **operations.LONG_BUDGET}
    spec = LoadSpec(url, "POST", headers, [operations.search_results().body()],
                    cfg.memory_in_flight,
                    max(0.5, min(cfg.duration_s, 10.0)), timeout_s=30.0)
    try:
        load = bench.load(spec, on_tick=sample, tick_s=0.2)
    finally:
        metrics.close()
        control.reset()
    steady = rss[len(rss) // 3:] or rss
    peak_rss = statistics.median(steady) if steady else float(idle)
    level = statistics.median(in_flight[len(in_flight) // 3:]) if in_flight else None
    held = level if level else float(cfg.memory_in_flight)
    per_request = (peak_rss - idle) / held if held else None
    table = result.table("Memory per request in flight", [
        "idle (MiB)", "under load (MiB, median)", "requests in flight (median)",
        "KiB per request in flight", "answers with errors", "failed"])
    table.add(_mib(idle), _mib(peak_rss), round(held, 1),
              None if per_request is None else round(per_request / 1024, 1),
              load.graphql_error_responses, load.failed)
    result.raw["in_flight"] = {"load": load.summary(), "rss_samples_mib": [_mib(v) for v in rss],
                               "in_flight_samples": in_flight,
                               "in_flight_source": "bff_in_flight_requests" if level
                               else "client connections"}
    result.notes.append(
        "Per request in flight: (median RSS while the clients wait on a slow "
        f"{HOLD_SERVICE} - idle RSS) / requests in flight; RSS includes the allocator's "
        "retained arenas, so this is an upper bound on what one request holds.")
    result.target("zero failed requests (in flight)", "0", str(load.failed), load.failed == 0)
