"""Scenario 3: a persisted, cacheable query by GET once the response cache has it, against
the bare endpoint answering the same bytes. Runs only when the server answers
`X-Cache: HIT`; otherwise it reports why it was skipped, and measures nothing."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from bench import operations
from bench.context import Bench
from bench.loadgen.spec import LoadSpec
from bench.result import ScenarioResult
from bench.stats import ratio

NAME = "persisted_get"
TITLE = "3. Persisted GET, response cache hit path"
TARGET_RATIO = 0.5


def _observe(response: httpx.Response) -> dict[str, Any]:
    codes = []
    if response.headers.get("content-type", "").startswith("application/"):
        try:
            codes = [e.get("extensions", {}).get("code") for e in response.json().get("errors", [])]
        except (ValueError, AttributeError):
            codes = []
    return {"status": response.status_code, "x-cache": response.headers.get("x-cache"),
            "cache-control": response.headers.get("cache-control"), "error_codes": codes}


def probe(graphql_url: str, req: operations.Request) -> tuple[bool, list[dict[str, Any]], bytes]:
    """GET the persisted query (registering it by APQ if asked to), then GET it again.

    True when a repeat GET answers `X-Cache: HIT`; the observations say what happened.
    """
    url = operations.persisted_get_url(graphql_url, req)
    seen: list[dict[str, Any]] = []
    with httpx.Client(timeout=30.0) as client:
        first = client.get(url, headers=operations.GET_HEADERS)
        seen.append({"step": "GET hash only", **_observe(first)})
        if "PERSISTED_QUERY_NOT_FOUND" in seen[-1]["error_codes"]:
            body = orjson.dumps({
                "query": req.query, "variables": req.variables, "operationName": req.name,
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": req.sha256}},
            })
            register = client.post(graphql_url, content=body,
                                   headers={"Content-Type": "application/json"})
            seen.append({"step": "APQ register (POST query + hash)", **_observe(register)})
        for attempt in range(3):
            again = client.get(url, headers=operations.GET_HEADERS)
            seen.append({"step": f"GET hash only, repeat {attempt + 1}", **_observe(again)})
            if again.status_code == 200 and (again.headers.get("x-cache") or "").upper() == "HIT":
                return True, seen, again.content
    return False, seen, b""


def _why_not(seen: list[dict[str, Any]]) -> str:
    last = seen[-1]
    detail = f"HTTP {last['status']}, X-Cache: {last['x-cache'] or 'absent'}"
    if last["error_codes"]:
        detail += f", error codes {', '.join(str(c) for c in last['error_codes'])}"
    return f"no response cache (repeat persisted GET answered {detail}; never X-Cache: HIT)"


def run(bench: Bench) -> ScenarioResult:
    cfg = bench.config
    req = operations.search_results()
    result = ScenarioResult(NAME, TITLE, params={
        "operation": "SearchResults(query: \"lamp\", first: 20), APQ hash by GET, anonymous",
        "bff_env": {"BFF_RESPONSE_CACHE": "on"}, "clients": cfg.saturation_clients,
        "duration_s": cfg.duration_s,
    })
    bench.cluster.start_upstreams()
    bff = bench.cluster.bff("cached", env={"BFF_RESPONSE_CACHE": "on"})
    try:
        hit, seen, body = probe(bff.graphql_url, req)
        result.raw["probe"] = seen
        if not hit:
            return result.skip(_why_not(seen))
        bare = bench.cluster.bare("bare-get", {"persisted": body})
        table = result.table("Persisted GET (cache hit) vs bare endpoint", [
            "server", "req/s", "CPU ms/req", "server CPU %", "p50 ms", "p99 ms", "failed",
            "other load on its CPU %"])
        bare_load = bench.measure(bare, LoadSpec(f"{bare.base_url}/persisted", "GET",
                                                 operations.GET_HEADERS, [], cfg.saturation_clients,
                                                 cfg.duration_s, check_bodies=False))
        bench.cluster.stop("bare-get")
        url = operations.persisted_get_url(bff.graphql_url, req)
        bff_load = bench.measure(bff, LoadSpec(url, "GET", operations.GET_HEADERS, [],
                                               cfg.saturation_clients, cfg.duration_s))
        still_hit, after, _ = probe(bff.graphql_url, req)
        result.raw["probe_after"] = after
        for label, load in (("bare Starlette (same bytes)", bare_load),
                            ("BFF persisted GET (X-Cache: HIT)", bff_load)):
            r = load.result
            table.add(label, round(r.rps, 1), _round(load.cpu_ms_per_request, 3),
                      round(load.cpu_utilisation * 100), _round(r.latency_ms.get("p50"), 2),
                      _round(r.latency_ms.get("p99"), 2), r.failed,
                      load.other_cpu_percent)
        value = ratio(bff_load.result.rps, bare_load.result.rps)
        result.ratios["cached persisted GET req/s / bare req/s"] = value
        result.target("cached persisted GET vs bare endpoint", f">= {TARGET_RATIO}x",
                      f"{value:.2f}x" if value is not None else "n/a",
                      None if value is None else value >= TARGET_RATIO)
        failed = bare_load.result.failed + bff_load.failed
        result.target("zero failed requests (persisted GET)", "0", str(failed), failed == 0)
        if not still_hit:
            result.notes.append("after the run the GET no longer answered X-Cache: HIT "
                                "(entry expired or evicted during the run?)")
    finally:
        bench.cluster.stop("cached")
    return result


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
