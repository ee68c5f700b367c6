"""Scenario 1: throughput at saturation with instant upstreams, against the HTTP floor
(a bare endpoint answering the same bytes) and the same schema executed without loaders;
plus the in-process execution cost: planned execution against graphql-core's `execute()`
of the same document (the BFF's reference resolvers, and the bare floor)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from typing import Any

import orjson

from bench import operations
from bench.cluster import SERVICES
from bench.context import Bench, ServerLoad, post_graphql
from bench.loadgen.spec import LoadSpec
from bench.procs import pinner, python_argv
from bench.result import ScenarioResult, Table, fmt
from bench.stats import ratio

NAME = "throughput"
TITLE = "1. Throughput at saturation, upstreams instant"
EXECUTE_TARGET = 0.5
"""Planned execution's CPU at most this share of graphql-core's bare `execute()` (issue 14)."""
NAIVE_ENV = {
    **{f"BFF_UPSTREAM_{s.upper()}_MAX_CONCURRENCY": "100000" for s in SERVICES},
    **{f"BFF_UPSTREAM_{s.upper()}_TIMEOUT_MS": "5000" for s in SERVICES},
}
"""Its N+1 calls would overflow the bulkheads and, queueing at the demo upstreams, time out
at the default 800 ms: it is measured for its throughput, not cut short."""


def _row(table: Table, variant: str, op: str, load: ServerLoad) -> None:
    r = load.result
    table.add(variant, op, round(r.rps, 1), _r(load.cpu_ms_per_request, 3),
              round(load.cpu_utilisation * 100), _r(r.latency_ms.get("p50"), 2),
              _r(r.latency_ms.get("p99"), 2), _r(load.calls_per_request, 1), _gc(load),
              r.graphql_error_responses, r.failed,
              load.other_cpu_percent)


def _gc(load: ServerLoad) -> str | None:
    rate = load.gc_ms_per_s
    if rate is None or load.gc is None:
        return None
    return f"{rate:.0f} ({load.gc.longest_ms():.0f})"


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _inprocess(bench: Bench) -> dict[str, Any]:
    assert bench.cluster.upstreams is not None
    out = bench.workdir / "inprocess.json"
    argv = python_argv(
        "bench.inprocess", "--upstreams", bench.cluster.upstreams.base_url,
        "--iterations", str(bench.config.inprocess_iterations),
        "--rounds", str(bench.config.inprocess_rounds), "--out", str(out),
    )
    completed = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False,
                               preexec_fn=pinner(bench.layout.server))
    if completed.returncode != 0:
        raise RuntimeError(f"in-process measurement failed: {completed.stderr[-3000:]}")
    data: dict[str, Any] = orjson.loads(out.read_bytes())
    return data


def _execution_table(result: ScenarioResult, inproc: dict[str, Any]) -> None:
    result.raw["inprocess"] = inproc
    exec_table = result.table(
        "In-process CPU per execution (same parsed document, data already fetched)", [
            "operation", "fields resolved", "graphql-core execute() floor µs",
            "BFF planned execution (primed loaders) µs", "ratio (median)", "ratio (min)",
            "graphql-core with the BFF's resolvers (BFF_PLANNER=off) µs", "its ratio",
            "parse+validate µs (cached by the BFF)", "same output",
        ])
    for op in inproc["operations"]:
        exec_table.add(op["operation"], op["resolved_fields"], op["floor_execute"]["median_us"],
                       op["bff_execute_primed"]["median_us"], op["ratio_median"],
                       op["ratio_min"], op["reference_execute_primed"]["median_us"],
                       op["reference_ratio_median"], op["parse_and_validate"]["median_us"],
                       "yes" if op["floor_output_identical"] else "NO")
        result.ratios[f"{op['operation']}: BFF execute / bare execute() CPU"] = op["ratio_median"]
    search = next(op for op in inproc["operations"] if op["operation"] == "SearchResults")
    result.target(
        "SearchResults planned execution CPU vs graphql-core execute()",
        f"<= {EXECUTE_TARGET}x",
        f"{search['ratio_median']}x ({search['bff_execute_primed']['median_us']:.0f} µs vs "
        f"{search['floor_execute']['median_us']:.0f} µs)",
        search["ratio_median"] <= EXECUTE_TARGET,
    )


def run(bench: Bench) -> ScenarioResult:
    cfg = bench.config
    result = ScenarioResult(NAME, TITLE, params={
        "clients": cfg.saturation_clients, "duration_s": cfg.duration_s,
        "warmup_s": cfg.warmup_s, "upstream_latency": "none (instant)",
        "operations": "SearchResults(query: \"lamp\", first: 20) anonymous; HomeScreen signed in",
        "budget": "X-Request-Timeout-Ms: 5000 (so that queueing cannot cut a query short)",
        "no_loader_variant_env": "BFF_UPSTREAM_<NAME>_MAX_CONCURRENCY=100000 and "
                                 "BFF_UPSTREAM_<NAME>_TIMEOUT_MS=5000 (its N+1 calls would "
                                 "otherwise overflow the bulkheads and time out queueing at the "
                                 "upstreams)",
    })
    bench.cluster.start_upstreams()
    bff = bench.cluster.bff("bff")
    requests = [replace(r, headers={**r.headers, **operations.LONG_BUDGET})
                for r in operations.throughput_requests()]

    bodies: dict[str, bytes] = {}
    for req in requests:
        response = post_graphql(bff.graphql_url, req.body(), req.post_headers())
        if response.status_code != 200 or b'"data"' not in response.content:
            raise RuntimeError(f"{req.name}: HTTP {response.status_code}: {response.text[:300]}")
        if b'"errors"' in response.content:
            result.notes.append(f"{req.name}: the BFF's answer carries errors "
                                f"({response.text[:200]}...)")
        bodies[req.name] = response.content
    result.raw["response_bytes"] = {name: len(body) for name, body in bodies.items()}

    table = result.table("Requests/s at saturation and server CPU per request", [
        "server", "operation", "req/s", "CPU ms/req", "server CPU %", "p50 ms", "p99 ms",
        "upstream calls/req", "GC pause ms/s (longest)", "answers with errors", "failed",
        "other load on its CPU %",
    ])
    loads: dict[tuple[str, str], ServerLoad] = {}

    bare = bench.cluster.bare("bare", bodies)
    for req in requests:
        spec = LoadSpec(f"{bare.base_url}/{req.name}", "POST", req.post_headers(), [req.body()],
                        cfg.saturation_clients, cfg.duration_s, check_bodies=False)
        loads[("bare", req.name)] = load = bench.measure(bare, spec)
        _row(table, "bare Starlette (same bytes)", req.name, load)
    bench.cluster.stop("bare")

    for req in requests:
        spec = LoadSpec(bff.graphql_url, "POST", req.post_headers(), [req.body()],
                        cfg.saturation_clients, cfg.duration_s)
        loads[("bff", req.name)] = load = bench.measure(bff, spec, count_calls=True)
        _row(table, "BFF", req.name, load)

    try:
        naive = bench.cluster.bff("naive", naive=True, env=NAIVE_ENV)
    except RuntimeError as exc:
        result.notes.append(f"naive variant unavailable: {exc}")
        naive = None
    if naive is not None:
        for req in requests:
            spec = LoadSpec(naive.graphql_url, "POST", req.post_headers(), [req.body()],
                            cfg.saturation_clients, cfg.duration_s)
            loads[("naive", req.name)] = load = bench.measure(naive, spec, count_calls=True)
            _row(table, "same schema, no loaders (N+1)", req.name, load)
        bench.cluster.stop("naive")

    for req in requests:
        b, f = loads[("bff", req.name)], loads[("bare", req.name)]
        n = loads.get(("naive", req.name))
        result.ratios[f"{req.name}: BFF req/s / bare req/s"] = ratio(b.result.rps, f.result.rps)
        result.ratios[f"{req.name}: BFF CPU/req / bare CPU/req"] = ratio(
            b.cpu_ms_per_request, f.cpu_ms_per_request)
        if n is not None:
            result.ratios[f"{req.name}: BFF req/s / no-loader req/s"] = ratio(
                b.result.rps, n.result.rps)
            result.ratios[f"{req.name}: no-loader calls/req / BFF calls/req"] = ratio(
                n.calls_per_request, b.calls_per_request)

    try:
        inproc = _inprocess(bench)
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as exc:
        result.notes.append(f"in-process measurement failed: {str(exc)[-1500:]}")
        result.target("SearchResults execution CPU vs graphql-core execute()",
                      f"<= {EXECUTE_TARGET}x", "not measured (see notes)", None)
    else:
        _execution_table(result, inproc)
    failed = sum(load.failed for load in loads.values())
    result.target("zero failed requests (throughput)", "0", str(failed), failed == 0)
    result.notes.append(
        "Failed counts transport errors, timeouts, non-2xx and (upstreams being instant here) "
        "answers carrying GraphQL errors: any of those would mean the figures are not for the "
        "complete query.")
    bff_search = loads[("bff", "SearchResults")]
    executed = result.raw.get("inprocess", {}).get("operations", [])
    alone = next((op["bff_execute_primed"]["median_us"] for op in executed
                  if op["operation"] == "SearchResults"), None)
    result.notes.append(
        f"BFF SearchResults: {fmt(bff_search.cpu_ms_per_request, 2)} ms CPU per request in the "
        f"server process (HTTP edge, admission, execution, upstream HTTP client and decoding) "
        f"against {fmt(None if alone is None else alone / 1000, 2)} ms for execution alone "
        "in process.")
    result.notes.append(
        "GC pause ms/s: milliseconds per second of run the BFF spent in garbage-collection "
        "pauses over 1 ms (logged by bench.experiments.gcprobe, loaded into every BFF the "
        "bench starts), and the longest single pause.")
    result.notes.append(
        "Server CPU % near 100 means the server process was the bottleneck. 'Other load on "
        "its CPU' is what everything else ran on the server's CPU meanwhile (/proc/stat): "
        "the machine is shared, so requests/s move with it; CPU ms per request much less.")
    return result
