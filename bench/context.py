"""A bench run's settings and the helpers every scenario uses (load, warm-up, server CPU)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from bench import server_metrics
from bench.cluster import Cluster, Server
from bench.gc_log import GcPauses, log_size, read_pauses
from bench.loadgen.runner import run_load
from bench.loadgen.spec import LoadResult, LoadSpec
from bench.procs import CpuLayout, cpu_busy_seconds
from bench.upstream_control import UpstreamControl


@dataclass(frozen=True)
class BenchConfig:
    out_dir: Path
    duration_s: float = 15.0
    warmup_s: float = 3.0
    loadgen: str = "auto"
    quick: bool = False
    saturation_clients: int = 8
    latency_clients: int = 50
    deadline_clients: int = 4
    deadline_budget_ms: int = 300
    tail_clients: int = 4
    peer_clients: int = 32
    upstream_p50_ms: float = 20.0
    upstream_p99_ms: float = 120.0
    memory_requests: int = 100_000
    memory_max_s: float = 120.0
    memory_in_flight: int = 100
    inprocess_iterations: int = 300
    inprocess_rounds: int = 5
    extra_env: dict[str, str] = field(default_factory=dict)
    command: str = "python -m bench"


@dataclass
class ServerLoad:
    """One measured load against one server: the generator's view plus the server's side.

    `cpu_run_s`: server CPU during the run; `cpu_s`: until the server had finished every
    request of the run (those the generator abandoned at its end included); `served`:
    how many requests the server handled in that time (its own counter; None for servers
    without one, then the generator's count is used).
    """

    result: LoadResult
    cpu_run_s: float
    cpu_s: float
    served: int | None = None
    upstream_calls: dict[str, int] | None = None
    other_cpu_s: float | None = None
    """CPU time used on the server's CPU by everything else during the run (noise)."""
    gc: GcPauses | None = None
    """The server's GC pauses during the run (and its drain), when the probe is loaded."""

    @property
    def gc_ms_per_s(self) -> float | None:
        if self.gc is None or not self.gc.by_generation or not self.result.duration_s:
            return None
        return self.gc.total_ms() / self.result.duration_s

    @property
    def handled(self) -> int:
        return self.served if self.served else self.result.requests

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.handled == 0:
            return None
        return self.cpu_s * 1000 / self.handled

    @property
    def cpu_utilisation(self) -> float:
        return self.cpu_run_s / self.result.duration_s if self.result.duration_s else 0.0

    @property
    def calls_per_request(self) -> float | None:
        if self.upstream_calls is None or self.handled == 0:
            return None
        return sum(self.upstream_calls.values()) / self.handled

    @property
    def other_cpu_share(self) -> float | None:
        if self.other_cpu_s is None or not self.result.duration_s:
            return None
        return max(0.0, self.other_cpu_s / self.result.duration_s)

    @property
    def other_cpu_percent(self) -> int | None:
        share = self.other_cpu_share
        return None if share is None else round(share * 100)

    @property
    def failed(self) -> int:
        """Transport errors, timeouts, non-2xx, and answers carrying GraphQL errors."""
        return self.result.failed + (self.result.graphql_error_responses or 0)


class Bench:
    def __init__(self, config: BenchConfig, cluster: Cluster, layout: CpuLayout,
                 generator: str, workdir: Path) -> None:
        self.config = config
        self.cluster = cluster
        self.layout = layout
        self.generator = generator
        self.workdir = workdir

    def load(self, spec: LoadSpec, **kwargs: Any) -> LoadResult:
        print(f"bench:   {spec.method} {spec.url[:70]} clients={spec.connections} "
              f"{spec.duration_s:g}s", file=sys.stderr)
        return run_load(spec, generator=self.generator, workdir=self.workdir / "loads",
                        cpus=self.layout.loadgen, **kwargs)

    def warm(self, spec: LoadSpec) -> None:
        if self.config.warmup_s > 0:
            self.load(replace(spec, duration_s=self.config.warmup_s, request_ids=False))

    def measure(self, server: Server, spec: LoadSpec, *,
                setup: Callable[[UpstreamControl], None] | None = None,
                count_calls: bool = False, warm: bool = True) -> ServerLoad:
        """Warm up, then one measured run with the server's CPU time around it.

        The demo upstreams are reset (counters, timings, latency, faults) before the
        warm-up and again before the measured run; `setup` then sets the latency and
        faults the run needs. `count_calls`: read the upstream call counters after it.
        """
        control = self.cluster.control
        if control is not None:
            control.fresh()
            if setup is not None:
                setup(control)
        if warm:
            self.warm(spec)
            if control is not None:
                control.fresh()
                if setup is not None:
                    setup(control)
        served_before = server_metrics.requests_handled(server.base_url)
        log_offset = log_size(server.proc.log_path)
        busy_before = cpu_busy_seconds(server.proc.cpus)
        before = server.proc.cpu_seconds()
        result = self.load(spec)
        cpu_run = server.proc.cpu_seconds() - before
        busy_after = cpu_busy_seconds(server.proc.cpus)
        other = None
        if busy_before is not None and busy_after is not None:
            other = busy_after - busy_before - cpu_run
        served = None
        if served_before is not None:
            server_metrics.drain(server.base_url)
            served_after = server_metrics.requests_handled(server.base_url)
            if served_after is not None:
                served = served_after - served_before
        cpu = server.proc.cpu_seconds() - before
        calls = control.calls() if count_calls and control is not None else None
        pauses = read_pauses(server.proc.log_path, log_offset)
        return ServerLoad(result, cpu_run, cpu, served, calls, other, pauses)


def post_graphql(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    with httpx.Client(timeout=30.0) as client:
        return client.post(url, content=body, headers=headers)
