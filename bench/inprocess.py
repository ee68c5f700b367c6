"""In-process CPU cost of executing a query: planned execution against graphql-core's.

`python -m bench.inprocess --upstreams URL --iterations N --out FILE` (run pinned to the
server's CPU while nothing else loads it). For each operation:

1. Record: execute the operation once through the BFF's planner, with its
   per-request loaders, against the demo upstreams at URL (one real fetch).
2. BFF execution (the measured figure): the planner (`planner.execute`: fetch graph
   and completion, actual cost included) with a fresh request context whose loaders
   are primed with the values fetched in step 1. Nothing is fetched or decoded;
   loader look-ups, the fetch graph's bookkeeping and completion all run. The
   request contexts are built before the clock starts.
3. Reference: graphql-core `execute()` of the BFF's schema with its reference
   resolvers (`resolvers.reference`, the same declared behaviours, field at a time)
   over the same primed loaders: what `BFF_PLANNER=off` costs.
4. Floor: graphql-core `execute()` of the same parsed document against a schema built
   from the BFF's printed SDL with default resolvers, over the plain result data of
   step 1 (dicts): what executing this query costs graphql-core with nothing to
   fetch or compose.

All use the same `DocumentNode` (parsed and validated once, outside the clock) and
the same variables; the outputs are checked to be identical to the planner's.
CPU time is `time.process_time()`, median (and min) over rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLSchema,
    build_schema,
    experimental_execute_incrementally,
    parse,
    print_schema,
    validate,
)

from bench import operations
from loaders.batching import BatchLoader

Snapshot = dict[str, list[tuple[Any, Any]]]


def execute(schema: GraphQLSchema, document: DocumentNode, **options: Any) -> Any:
    """graphql-core's `execute()`, through its incremental entry point: the BFF's schema
    declares `@defer`, which plain `execute()` refuses to run with. Without `@defer` in the
    document it is the same work and gives one `ExecutionResult`."""
    return experimental_execute_incrementally(schema, document, **options)


def _settings_environ(upstreams: str) -> dict[str, str]:
    from app.settings import SERVICES

    env = {f"BFF_UPSTREAM_{s.upper()}_URL": f"{upstreams}/{s}" for s in SERVICES}
    env.update({"BFF_ENV": "production", "BFF_SERVICE_TOKEN": operations.SERVICE_TOKEN,
                "BFF_JWT_SECRET": operations.JWT_SECRET})
    return env


class _Bff:
    """The BFF's pieces, as `app.graphql_http.endpoint` assembles them for one request."""

    def __init__(self, upstreams: str) -> None:
        from app.admission import Admission
        from app.limits import query_limits
        from app.settings import load_settings
        from app.upstream import UpstreamClient
        from schema import build_schema as build_bff_schema

        self.settings = load_settings(_settings_environ(upstreams))
        self.schema: GraphQLSchema = build_bff_schema()._schema
        self.client = UpstreamClient(self.settings)
        self.admission = Admission(self.schema, cache_size=16, introspection=False,
                                   limits=query_limits(self.settings))

    def context(self, user_id: str | None) -> Any:
        from app.context import RequestContext
        from app.deadline import Deadline
        from app.tracing import Tracing
        from app.upstream import CallScope
        from loaders import Loaders

        scope = CallScope(uuid.uuid4().hex, Deadline(60_000), Tracing().background(),
                          user_id)
        return RequestContext(self.settings, scope, Loaders(self.client, scope))


def _snapshot(loaders: Any) -> Snapshot:
    """Every loader the request used, with each key's settled value (or error)."""
    out: Snapshot = {}
    for name, value in vars(loaders).items():
        if isinstance(value, BatchLoader):
            out[name] = value.settled()
    return out


def _prime(loaders: Any, snapshot: Snapshot) -> None:
    for name, entries in snapshot.items():
        loader: BatchLoader = getattr(loaders, name)
        for key, value in entries:
            loader.prime(key, value)


async def _run(result: Any) -> Any:
    if inspect.isawaitable(result):
        result = await result
    return result


async def _cpu_rounds(
    make: Callable[[], Callable[[], Any]],
    iterations: int,
    rounds: int,
) -> list[float]:
    """CPU microseconds per execution, one figure per round."""
    out = []
    for _ in range(rounds):
        calls = [make() for _ in range(iterations)]
        gc.collect()
        started = time.process_time()
        for call in calls:
            await _run(call())
        out.append((time.process_time() - started) / iterations * 1e6)
    return out


def _stats(samples: list[float]) -> dict[str, float]:
    return {"median_us": round(statistics.median(samples), 2), "min_us": round(min(samples), 2)}


async def measure(
    bff: _Bff, request: operations.Request, iterations: int, rounds: int
) -> dict[str, Any]:
    import planner

    admitted = bff.admission.operation(bff.admission.document(request.query), request.name,
                                       request.variables)
    document: DocumentNode = admitted.document.node
    user_id = operations.BENCH_USER if "Authorization" in request.headers else None
    variables = request.variables

    recording = bff.context(user_id)
    loaders = recording.loaders
    recording.loaders.release = lambda: None  # keep what was fetched, to replay it
    first = await planner.execute(admitted.plan, admitted.arguments, recording)
    if first.errors:
        raise RuntimeError(f"{request.name} failed in process: {first.errors[0]['message']}")
    snapshot = _snapshot(loaders)
    data = first.data

    def primed() -> Any:
        ctx = bff.context(user_id)
        _prime(ctx.loaders, snapshot)
        return ctx

    reference_check = await _run(execute(bff.schema, document, context_value=primed(),
                                         variable_values=variables,
                                         operation_name=request.name))
    floor_schema = build_schema(print_schema(bff.schema))
    floor_check = await _run(execute(floor_schema, document, root_value=data,
                                     variable_values=variables, operation_name=request.name))
    same_output = (orjson.dumps(floor_check.data) == orjson.dumps(data)
                   and not floor_check.errors
                   and orjson.dumps(reference_check.data) == orjson.dumps(data)
                   and not reference_check.errors)

    def bff_call() -> Callable[[], Awaitable[Any]]:
        ctx = primed()
        return lambda: planner.execute(admitted.plan, admitted.arguments, ctx)

    def reference_call() -> Callable[[], Awaitable[ExecutionResult] | ExecutionResult]:
        ctx = primed()
        return lambda: execute(bff.schema, document, context_value=ctx,
                               variable_values=variables, operation_name=request.name)

    def floor_call() -> Callable[[], Awaitable[ExecutionResult] | ExecutionResult]:
        return lambda: execute(floor_schema, document, root_value=data,
                               variable_values=variables, operation_name=request.name)

    def parse_validate_call() -> Callable[[], ExecutionResult]:
        def run() -> ExecutionResult:
            validate(bff.schema, parse(request.query))
            return ExecutionResult(None, None)
        return run

    warm = max(5, iterations // 10)
    await _cpu_rounds(bff_call, warm, 1)
    await _cpu_rounds(reference_call, warm, 1)
    await _cpu_rounds(floor_call, warm, 1)
    bff_us = await _cpu_rounds(bff_call, iterations, rounds)
    reference_us = await _cpu_rounds(reference_call, iterations, rounds)
    floor_us = await _cpu_rounds(floor_call, iterations, rounds)
    parse_us = await _cpu_rounds(parse_validate_call, max(5, iterations // 5), rounds)
    fields = _count_fields(data)
    return {
        "operation": request.name,
        "resolved_fields": fields,
        "loaders_primed": {name: len(entries) for name, entries in snapshot.items()},
        "floor_output_identical": same_output,
        "floor_execute": _stats(floor_us),
        "bff_execute_primed": _stats(bff_us),
        "reference_execute_primed": _stats(reference_us),
        "parse_and_validate": _stats(parse_us),
        "ratio_median": round(statistics.median(bff_us) / statistics.median(floor_us), 2),
        "ratio_min": round(min(bff_us) / min(floor_us), 2),
        "reference_ratio_median": round(
            statistics.median(reference_us) / statistics.median(floor_us), 2),
        "iterations": iterations,
        "rounds": rounds,
    }


def _count_fields(value: Any) -> int:
    if isinstance(value, dict):
        return sum(1 + _count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count_fields(v) for v in value)
    return 0


async def main_async(upstreams: str, iterations: int, rounds: int) -> dict[str, Any]:
    bff = _Bff(upstreams)
    try:
        results = [await measure(bff, request, iterations, rounds)
                   for request in operations.throughput_requests()]
    finally:
        await bff.client.aclose()
    return {"operations": results}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess")
    parser.add_argument("--upstreams", required=True, help="demo upstreams base URL")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    result = asyncio.run(main_async(args.upstreams, args.iterations, args.rounds))
    Path(args.out).write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
