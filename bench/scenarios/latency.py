"""Scenario 2: latency at fixed concurrency with realistic upstream latency: the BFF's
response time against each request's critical path, i.e. the overhead the BFF adds."""

from __future__ import annotations

from bench import critical_path, operations
from bench.context import Bench
from bench.loadgen.spec import LoadSpec
from bench.result import ScenarioResult
from bench.stats import summarize
from bench.upstream_control import UpstreamControl

NAME = "latency"
TITLE = "2. Latency with realistic upstreams: overhead over the critical path"
P50_TARGET_MS = 3.0
P99_TARGET_MS = 10.0


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def run(bench: Bench) -> ScenarioResult:
    cfg = bench.config
    p50, p99 = cfg.upstream_p50_ms, cfg.upstream_p99_ms
    result = ScenarioResult(NAME, TITLE, params={
        "upstream_latency": f"every service p50 {p50:g} ms / p99 {p99:g} ms (log-normal)",
        "duration_s": cfg.duration_s, "warmup_s": cfg.warmup_s,
        "generator": "python (one record per request, joined with upstream timings by "
                     "X-Request-Id)",
    })
    control = bench.cluster.start_upstreams()
    bff = bench.cluster.bff("bff")

    def setup(c: UpstreamControl) -> None:
        c.latency("*", p50, p99)

    table = result.table("BFF response time vs critical path (ms, per request)", [
        "operation", "clients", "req/s", "BFF p50", "BFF p95", "BFF p99",
        "critical path p50", "critical path p99", "overhead p50", "overhead p95",
        "overhead p99", "upstream calls/req", "answers with errors", "failed",
        "other load on the BFF's CPU %",
    ])
    runs = [(operations.search_results(), cfg.latency_clients),
            (operations.home_screen(signed_in=True), cfg.latency_clients),
            (operations.search_results(), 1)]
    failed_total = 0
    headline: dict[str, dict[str, float]] = {}
    for req, clients in runs:
        spec = LoadSpec(bff.graphql_url, "POST", req.post_headers(), [req.body()], clients,
                        cfg.duration_s, request_ids=True)
        load = bench.measure(bff, spec, setup=setup, count_calls=True)
        timings = critical_path.per_request_durations(control.timings())
        graph = critical_path.GRAPHS[req.name]
        e2e, overhead, path = [], [], []
        unmatched = 0
        unknown: set[str] = set()
        for request_id, latency_ms, status in load.result.records:
            calls = timings.get(request_id)
            if status != 200 or not calls:
                unmatched += 1
                continue
            unknown |= critical_path.unknown_calls(graph, calls)
            path_ms = critical_path.longest_path_ms(graph, calls)
            e2e.append(latency_ms)
            path.append(path_ms)
            overhead.append(latency_ms - path_ms)
        s_e2e, s_cp, s_od = summarize(e2e), summarize(path), summarize(overhead)
        failed_total += load.result.failed
        table.add(req.name, clients, round(load.result.rps, 1), _r(s_e2e.get("p50")),
                  _r(s_e2e.get("p95")), _r(s_e2e.get("p99")), _r(s_cp.get("p50")),
                  _r(s_cp.get("p99")), _r(s_od.get("p50")), _r(s_od.get("p95")),
                  _r(s_od.get("p99")),
                  None if load.calls_per_request is None else round(load.calls_per_request, 2),
                  load.result.graphql_error_responses, load.result.failed,
                  load.other_cpu_percent)
        key = f"{req.name}@{clients}"
        result.raw[key] = {
            "load": load.result.summary(), "bff_cpu_s": round(load.cpu_s, 3),
            "upstream_calls": load.upstream_calls, "served": load.served,
            "bff_ms": s_e2e, "critical_path_ms": s_cp, "overhead_ms": s_od,
            "unmatched_requests": unmatched, "calls_not_in_graph": sorted(unknown),
        }
        if unknown:
            result.notes.append(f"{key}: calls not in the dependency graph, counted as roots: "
                                f"{', '.join(sorted(unknown))}")
        if clients == cfg.latency_clients:
            headline[req.name] = s_od
    at = f"at {cfg.latency_clients} clients"
    for name, s_od in headline.items():
        for label, limit in (("p50", P50_TARGET_MS), ("p99", P99_TARGET_MS)):
            value = s_od.get(label)
            result.target(f"{name}: overhead {label} {at}", f"< {limit:g} ms",
                          f"{_r(value)} ms", None if value is None else value < limit)
    result.target("zero failed requests (latency)", "0", str(failed_total), failed_total == 0)
    result.notes.append(
        "Critical path: per request, the longest chain of upstream calls by data dependency "
        "(SearchResults: the search, then the slowest of products/prices/stock/ratings, all "
        "keyed by the ids the search returned; HomeScreen: the slowest of "
        "users->promotions, orders, cart, recommendations->products/prices/stock/ratings), "
        "each call timed inside the upstream process (`bench.critical_path`). Overhead = the "
        "BFF's response time at the client minus that path: the BFF's CPU, its queueing under "
        "load, its HTTP client and the loopback hops, and any call it serialises that the data "
        "would let run in parallel.")
    result.notes.append(
        "The 1-client row is the same measurement without queueing: what one request costs "
        "over its critical path on an idle server.")
    return result
