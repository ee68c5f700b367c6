"""Scenario 5: the tail under one slow replica (a heavy-tailed service), hedging off and on:
p99 and the extra upstream calls hedging costs. Hedging is run only where the server has it."""

from __future__ import annotations

from bench import operations
from bench.context import Bench, ServerLoad
from bench.loadgen.spec import LoadSpec
from bench.result import ScenarioResult
from bench.stats import ratio
from bench.upstream_control import UpstreamControl

NAME = "tail"
TITLE = "5. Tail under a slow replica, hedging off/on"
SLOW = "reviews"
SLOW_P50_MS, SLOW_P99_MS = 10.0, 300.0
OTHERS_P50_MS, OTHERS_P99_MS = 10.0, 20.0


def hedging_support() -> tuple[bool, str]:
    """Whether the server reads BFF_HEDGING: its settings model has a `hedging` field."""
    try:
        from app.settings import Settings
    except Exception as exc:  # the server's code may be mid-edit
        return False, f"cannot import app.settings ({exc})"
    fields = [name for name in Settings.model_fields if name.startswith("hedg")]
    if fields:
        return True, f"app.settings.Settings has `{fields[0]}`"
    return False, "not available: app.settings.Settings has no `hedging` field (BFF_HEDGING " \
                  "is not read by this server)"


def run(bench: Bench) -> ScenarioResult:
    cfg = bench.config
    result = ScenarioResult(NAME, TITLE, params={
        "operation": "SearchResults(query: \"lamp\", first: 20)",
        "slow_service": f"{SLOW}: p50 {SLOW_P50_MS:g} ms / p99 {SLOW_P99_MS:g} ms",
        "other_services": f"p50 {OTHERS_P50_MS:g} ms / p99 {OTHERS_P99_MS:g} ms",
        "clients": cfg.tail_clients, "duration_s": cfg.duration_s,
    })
    available, how = hedging_support()
    result.params["hedging"] = how
    bench.cluster.start_upstreams()
    req = operations.search_results()

    def setup(c: UpstreamControl) -> None:
        c.latency("*", OTHERS_P50_MS, OTHERS_P99_MS)
        c.latency(SLOW, SLOW_P50_MS, SLOW_P99_MS)

    table = result.table("Heavy-tailed dependency: response time (ms) and upstream calls", [
        "hedging", "requests", "p50", "p95", "p99", "max", "upstream calls/req",
        f"{SLOW} calls/req", "answers with errors", "failed", "other load on the BFF's CPU %",
    ])
    modes = ["off", "on"] if available else ["off"]
    loads: dict[str, ServerLoad] = {}
    for mode in modes:
        server = bench.cluster.bff("bff" if mode == "off" else "hedged",
                                   env={"BFF_HEDGING": mode})
        spec = LoadSpec(server.graphql_url, "POST", req.post_headers(), [req.body()],
                        cfg.tail_clients, cfg.duration_s)
        loads[mode] = load = bench.measure(server, spec, setup=setup, count_calls=True)
        calls = load.upstream_calls or {}
        slow_calls = sum(v for k, v in calls.items() if k.startswith(f"{SLOW} "))
        r = load.result
        table.add(mode, r.requests, round(r.latency_ms["p50"], 1), round(r.latency_ms["p95"], 1),
                  round(r.latency_ms["p99"], 1), round(r.latency_ms["max"], 1),
                  None if load.calls_per_request is None else round(load.calls_per_request, 2),
                  round(slow_calls / load.handled, 3) if load.handled else None,
                  r.graphql_error_responses, r.failed, load.other_cpu_percent)
        result.raw[f"hedging_{mode}"] = {"load": r.summary(), "upstream_calls": calls}
    if not available:
        table.add("on", "not available", None, None, None, None, None, None, None, None, None)
        result.notes.append(f"hedging {how}")
    else:
        bench.cluster.stop("hedged")
        off, on = loads["off"], loads["on"]
        result.ratios["p99 hedging on / off"] = ratio(on.result.latency_ms["p99"],
                                                      off.result.latency_ms["p99"])
        result.ratios["upstream calls/req on / off"] = ratio(on.calls_per_request,
                                                             off.calls_per_request)
    failed = sum(load.result.failed for load in loads.values())
    result.target("zero failed requests (tail)", "0", str(failed), failed == 0)
    return result
