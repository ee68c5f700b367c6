"""Scenario 3: a persisted, cacheable query by GET once the response cache has it, against
the bare endpoint answering the same bytes, in one run; and what the cache costs a miss.

Hit path, each server in turn on the server CPU, the same hash-only APQ GET:
- the bare Starlette endpoint answering the BFF's bytes (the HTTP floor);
- the BFF with Redis and its near-cache (the default: a public hit touches no Redis);
- the BFF with Redis and no near-cache (`BFF_RESPONSE_CACHE_NEAR_BYTES=0`: one Redis
  round trip per hit);
- the BFF without Redis (`BFF_RESPONSE_CACHE=on`: the in-process memory store).
A variant is measured only once a repeat GET answers `X-Cache: HIT`; otherwise its row
says why, and the scenario is skipped when no variant hits.

Miss path: SearchResults by POST, each request's search text different (punctuation
the search ignores, so every request does the same upstream work and none can hit),
with the response cache off and on (Redis): requests/s and server CPU per request.

Redis: `--env BFF_REDIS_URL=...`, else the machine's `redis://127.0.0.1:6379/0`; keys
go under a prefix of this run's own and are deleted afterwards.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import httpx
import orjson

from bench import operations
from bench.context import Bench, ServerLoad
from bench.loadgen.spec import LoadSpec
from bench.result import ScenarioResult
from bench.stats import ratio

NAME = "persisted_get"
TITLE = "3. Persisted GET, response cache hit path"
TARGET_RATIO = 0.5
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
_PUNCTUATION = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
"""Characters the demo search ignores (it matches words): suffixes making texts unique."""


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


def unique_searches(count: int, start: int = 0) -> list[bytes]:
    """SearchResults bodies whose texts differ only in punctuation: the same search and
    upstream work, a different cache key each."""
    req = operations.search_results()
    bodies = []
    for n in range(start, start + count):
        suffix, k = "", n
        while True:
            suffix += _PUNCTUATION[k % len(_PUNCTUATION)]
            k //= len(_PUNCTUATION)
            if k == 0:
                break
        variables = {**req.variables, "query": f"{req.variables['query']} {suffix}"}
        bodies.append(orjson.dumps({"query": req.query, "variables": variables,
                                    "operationName": req.name}))
    return bodies


def _row(table: Any, label: str, load: ServerLoad, *extra: Any) -> None:
    r = load.result
    table.add(label, round(r.rps, 1), _round(load.cpu_ms_per_request, 3),
              round(load.cpu_utilisation * 100), _round(r.latency_ms.get("p50"), 2),
              _round(r.latency_ms.get("p99"), 2), load.failed, load.other_cpu_percent, *extra)


def run(bench: Bench) -> ScenarioResult:
    cfg = bench.config
    req = operations.search_results()
    redis_url = cfg.extra_env.get("BFF_REDIS_URL", DEFAULT_REDIS)
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    redis_env = {"BFF_REDIS_URL": redis_url, "BFF_REDIS_KEY_PREFIX": prefix,
                 "BFF_RESPONSE_CACHE": "on"}
    variants = [
        ("BFF, Redis + near-cache (default)", "cached-near", redis_env),
        ("BFF, Redis, no near-cache", "cached-redis",
         {**redis_env, "BFF_RESPONSE_CACHE_NEAR_BYTES": "0"}),
        ("BFF, memory store (no Redis)", "cached-memory",
         {"BFF_RESPONSE_CACHE": "on", "BFF_REDIS_URL": ""}),
    ]
    result = ScenarioResult(NAME, TITLE, params={
        "operation": "SearchResults(query: \"lamp\", first: 20), APQ hash by GET, anonymous",
        "variants": {label: env for label, _, env in variants},
        "clients": cfg.saturation_clients, "duration_s": cfg.duration_s,
        "miss_path": "SearchResults(first: 20) by POST, a different search text each request",
    })
    bench.cluster.start_upstreams()
    try:
        hits: list[tuple[str, ServerLoad]] = []
        skipped: list[str] = []
        bare_load: ServerLoad | None = None
        table = result.table("Persisted GET (cache hit) vs bare endpoint, one run", [
            "server", "req/s", "CPU ms/req", "server CPU %", "p50 ms", "p99 ms", "failed",
            "other load on its CPU %"])
        for label, name, env in variants:
            bff = bench.cluster.bff(name, env=env)
            try:
                hit, seen, body = probe(bff.graphql_url, req)
                result.raw[f"probe {name}"] = seen
                if not hit:
                    skipped.append(f"{label}: {_why_not(seen)}")
                    continue
                if bare_load is None:
                    bare = bench.cluster.bare("bare-get", {"persisted": body})
                    bare_load = bench.measure(bare, LoadSpec(
                        f"{bare.base_url}/persisted", "GET", operations.GET_HEADERS, [],
                        cfg.saturation_clients, cfg.duration_s, check_bodies=False))
                    bench.cluster.stop("bare-get")
                    _row(table, "bare Starlette (same bytes)", bare_load)
                url = operations.persisted_get_url(bff.graphql_url, req)
                load = bench.measure(bff, LoadSpec(url, "GET", operations.GET_HEADERS, [],
                                                   cfg.saturation_clients, cfg.duration_s))
                still_hit, after, _ = probe(bff.graphql_url, req)
                result.raw[f"probe after {name}"] = after
                if not still_hit:
                    result.notes.append(f"{label}: after the run the GET no longer answered "
                                        "X-Cache: HIT (entry expired or evicted?)")
                _row(table, f"{label} (X-Cache: HIT)", load)
                hits.append((label, load))
            finally:
                bench.cluster.stop(name)
        for reason in skipped:
            result.notes.append(f"not measured: {reason}")
        if not hits or bare_load is None:
            return result.skip(_why_not_all(skipped))
        for label, load in hits:
            value = ratio(load.result.rps, bare_load.result.rps)
            result.ratios[f"{label} req/s / bare req/s"] = value
        default_label, default_load = hits[0]
        value = ratio(default_load.result.rps, bare_load.result.rps)
        result.target("cached persisted GET vs bare endpoint", f">= {TARGET_RATIO}x",
                      f"{value:.2f}x ({default_label})" if value is not None else "n/a",
                      None if value is None else value >= TARGET_RATIO)
        failed = bare_load.result.failed + sum(load.failed for _, load in hits)
        result.target("zero failed requests (persisted GET)", "0", str(failed), failed == 0)
        _miss_path(bench, result, redis_env)
    finally:
        _delete_keys(redis_url, prefix)
    return result


def _why_not_all(skipped: list[str]) -> str:
    return skipped[0].split(": ", 1)[1] if skipped else "no variant answered X-Cache: HIT"


def _miss_path(bench: Bench, result: ScenarioResult, redis_env: dict[str, str]) -> None:
    """Every request a different key: the cache's lookup and store on top of execution."""
    cfg = bench.config
    table = result.table("Miss path: SearchResults POST, every request a different key", [
        "server", "req/s", "CPU ms/req", "server CPU %", "p50 ms", "p99 ms", "failed",
        "other load on its CPU %", "X-Cache"])
    # Enough distinct bodies for the warm-up and the run at several thousand requests/s.
    count = max(2_000, int((cfg.duration_s + cfg.warmup_s) * 1_500))
    loads = {}
    for label, name, env in (("BFF, response cache off", "miss-off",
                              {"BFF_RESPONSE_CACHE": "off"}),
                             ("BFF, response cache on (Redis)", "miss-on", redis_env)):
        bff = bench.cluster.bff(name, env=env)
        try:
            start = 0 if name == "miss-off" else 10 * count  # never another run's keys
            warm = LoadSpec(bff.graphql_url, "POST", {"Content-Type": "application/json"},
                            unique_searches(count // 4, start), cfg.saturation_clients,
                            cfg.warmup_s)
            spec = replace(warm, bodies=unique_searches(count, start + count),
                           duration_s=cfg.duration_s)
            if cfg.warmup_s > 0:
                bench.load(replace(warm, request_ids=False))
            load = bench.measure(bff, spec, warm=False)
            with httpx.Client(timeout=30.0) as client:
                sample = client.post(bff.graphql_url, content=unique_searches(1, 99 * count)[0],
                                     headers={"Content-Type": "application/json"})
            _row(table, label, load, sample.headers.get("x-cache") or "absent")
            loads[name] = load
            if load.result.requests > count:
                result.notes.append(f"{label}: more requests than distinct bodies; some hit")
        finally:
            bench.cluster.stop(name)
    off, on = loads["miss-off"].cpu_ms_per_request, loads["miss-on"].cpu_ms_per_request
    if off and on:
        result.ratios["miss CPU per request, cache on / off"] = round(on / off, 3)
        result.notes.append(f"a miss costs {1000 * (on - off):.0f} µs more CPU with the cache "
                            "on (its Redis lookup and store), on "
                            f"{1000 * off:.0f} µs of execution")


def _delete_keys(url: str, prefix: str) -> None:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2)
        keys = list(client.scan_iter(f"{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start:start + 500])
        client.close()
    except Exception:  # the machine's Redis is optional for the bench; nothing to clean
        return


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
