"""Scenario 4: the client's deadline under a hanging optional dependency: response times
against the budget (`X-Request-Timeout-Ms`)."""

from __future__ import annotations

from bench import operations
from bench.context import Bench
from bench.loadgen.spec import LoadSpec
from bench.result import ScenarioResult
from bench.upstream_control import UpstreamControl

NAME = "deadline"
TITLE = "4. Deadline under a hanging dependency"
SLACK_MS = 20.0
HANGING = "reviews"


def run(bench: Bench) -> ScenarioResult:
    cfg = bench.config
    budget = cfg.deadline_budget_ms
    p50, p99 = cfg.upstream_p50_ms, cfg.upstream_p99_ms
    result = ScenarioResult(NAME, TITLE, params={
        "operation": "SearchResults(query: \"lamp\", first: 20) (rating is optional: reviews)",
        "fault": f"{HANGING} hangs (30 s) on every call",
        "other_upstreams": f"p50 {p50:g} ms / p99 {p99:g} ms",
        "budget_ms": budget, "clients": cfg.deadline_clients, "duration_s": cfg.duration_s,
    })
    bench.cluster.start_upstreams()
    bff = bench.cluster.bff("bff")
    req = operations.search_results()
    headers = {**req.post_headers(), "X-Request-Timeout-Ms": str(budget)}

    def setup(c: UpstreamControl) -> None:
        c.latency("*", p50, p99)
        c.fault(HANGING, "hang", hang_s=30)

    spec = LoadSpec(bff.graphql_url, "POST", headers, [req.body()], cfg.deadline_clients,
                    cfg.duration_s, timeout_s=max(5.0, budget / 1000 * 10), request_ids=True)
    try:
        load = bench.measure(bff, spec, setup=setup)
    finally:
        if bench.cluster.control is not None:
            bench.cluster.control.reset()
    r = load.result
    lat = r.latency_ms
    degraded = r.graphql_error_responses or 0
    table = result.table("Response time under a hanging optional dependency (ms)", [
        "budget", "clients", "requests", "p50", "p95", "p99", "max", "p99 - budget",
        "answers with errors (degraded)", "failed", "BFF GC pauses (longest ms)",
        "other load on the BFF's CPU %",
    ])
    table.add(budget, cfg.deadline_clients, r.requests, round(lat["p50"], 1),
              round(lat["p95"], 1), round(lat["p99"], 1), round(lat["max"], 1),
              round(lat["p99"] - budget, 1),
              f"{degraded} ({degraded / r.requests:.0%})" if r.requests else "0", r.failed,
              None if load.gc is None else round(load.gc.longest_ms()), load.other_cpu_percent)
    result.raw["load"] = r.summary()
    result.target("p99 under a hanging dependency", f"<= {budget + SLACK_MS:g} ms",
                  f"{lat['p99']:.1f} ms", lat["p99"] <= budget + SLACK_MS)
    result.target("zero failed requests (deadline)", "0", str(r.failed), r.failed == 0)
    result.notes.append("A degraded answer (HTTP 200, `rating` null with a coded error) is "
                        "a success; failed = transport errors, timeouts and non-2xx.")
    return result
