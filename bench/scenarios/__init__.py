"""The eight scenarios, in the order a full run takes them. Each: `run(bench) -> ScenarioResult`."""

from __future__ import annotations

from collections.abc import Callable

from bench.context import Bench
from bench.result import ScenarioResult
from bench.scenarios import (
    deadline,
    latency,
    memory,
    peers,
    persisted_get,
    tail,
    throughput,
    tracing,
)

Runner = Callable[[Bench], ScenarioResult]

SCENARIOS: dict[str, tuple[str, Runner]] = {
    module.NAME: (module.TITLE, module.run)
    for module in (throughput, latency, persisted_get, deadline, tail, memory, tracing, peers)
}
