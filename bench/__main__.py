"""`python -m bench`: run the scenarios, write `bench/results/<scenario>.json` and README.md."""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.cluster import Cluster
from bench.context import Bench, BenchConfig
from bench.loadgen.runner import choose_generator
from bench.procs import cpu_layout, load_average, proc_observable
from bench.report import now, run_info, write_markdown, write_scenario
from bench.result import ScenarioResult
from bench.scenarios import SCENARIOS

DEFAULT_OUT = Path(__file__).resolve().parent / "results"
EXPERIMENTS = Path(__file__).resolve().parent / "experiments"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark the BFF: demo upstreams, server and load generator as separate "
                    "processes on 127.0.0.1. Scenarios: " + ", ".join(SCENARIOS) + ".",
    )
    p.add_argument("--scenario", action="append", default=[], metavar="NAME[,NAME]",
                   help="scenarios to run (repeatable or comma-separated; default: all)")
    p.add_argument("--duration", type=float, help="seconds per measured load (default 15; "
                   "--quick 3)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up before each (default 3; "
                   "--quick 1)")
    p.add_argument("--quick", action="store_true",
                   help="short runs everywhere (about 2 minutes in all): a sanity check, "
                        "not figures to publish")
    p.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto",
                   help="auto: wrk when installed, else the pure-Python generator")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results directory")
    p.add_argument("--saturation-clients", type=int, default=8,
                   help="clients for saturation runs (scenarios 1, 3, 6; default 8)")
    p.add_argument("--latency-clients", type=int, default=50,
                   help="clients for scenario 2 (default 50)")
    p.add_argument("--deadline-clients", type=int, default=4,
                   help="clients for scenario 4 (default 4: below saturation)")
    p.add_argument("--tail-clients", type=int, default=4,
                   help="clients for scenario 5 (default 4: below saturation)")
    p.add_argument("--peer-clients", type=int, default=32,
                   help="connections for the peers scenario, the same for every server "
                        "(default 32)")
    p.add_argument("--upstream-latency", default="20/120", metavar="P50/P99",
                   help="ms, every service, scenarios 2 and 4 (default 20/120)")
    p.add_argument("--memory-requests", type=int,
                   help="requests after warm-up in the memory scenario (default 100000)")
    p.add_argument("--memory-max-s", type=float,
                   help="time cap for those requests (default 120 s; --quick 10 s)")
    p.add_argument("--memory-in-flight", type=int, default=100)
    p.add_argument("--inprocess-iterations", type=int)
    p.add_argument("--env", action="append", default=[], metavar="BFF_X=VALUE",
                   help="extra environment for every BFF started (repeatable)")
    p.add_argument("--experiment", metavar="NAME",
                   help="run every BFF with bench/experiments/NAME/sitecustomize.py loaded "
                        "(a change tried from outside; write to another --out)")
    p.add_argument("--keep-workdir", action="store_true", help="keep logs and load files")
    return p


def _scenarios(selected: list[str]) -> list[str]:
    names = [n.strip() for spec in selected for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; "
                         f"choose from {', '.join(SCENARIOS)}")
    return [n for n in SCENARIOS if n in names] if names else list(SCENARIOS)


def config_from(args: argparse.Namespace, command: str) -> BenchConfig:
    quick = bool(args.quick)
    p50_text, _, p99_text = args.upstream_latency.partition("/")
    try:
        p50 = float(p50_text)
        p99 = float(p99_text) if p99_text else p50
    except ValueError:
        raise SystemExit(
            f"--upstream-latency {args.upstream_latency!r}: expected P50/P99"
        ) from None
    extra_env = {}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key.startswith("BFF_"):
            raise SystemExit(f"--env {item!r}: expected BFF_NAME=VALUE")
        extra_env[key] = value
    if args.experiment:
        path = EXPERIMENTS / args.experiment
        if not (path / "sitecustomize.py").exists():
            raise SystemExit(f"--experiment {args.experiment!r}: no {path}/sitecustomize.py")
        extra_env["PYTHONPATH"] = str(path)
    return BenchConfig(
        out_dir=args.out,
        duration_s=args.duration if args.duration is not None else (3.0 if quick else 15.0),
        warmup_s=args.warmup if args.warmup is not None else (1.0 if quick else 3.0),
        loadgen=args.loadgen,
        quick=quick,
        saturation_clients=args.saturation_clients,
        latency_clients=args.latency_clients,
        deadline_clients=args.deadline_clients,
        tail_clients=args.tail_clients,
        peer_clients=args.peer_clients,
        upstream_p50_ms=p50,
        upstream_p99_ms=p99,
        memory_requests=args.memory_requests if args.memory_requests is not None
        else (3_000 if quick else 100_000),
        memory_max_s=args.memory_max_s if args.memory_max_s is not None
        else (10.0 if quick else 120.0),
        memory_in_flight=args.memory_in_flight,
        inprocess_iterations=args.inprocess_iterations if args.inprocess_iterations is not None
        else (50 if quick else 300),
        inprocess_rounds=3 if quick else 5,
        extra_env=extra_env,
        command=command,
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    names = _scenarios(args.scenario)
    command = shlex.join(["python", "-m", "bench", *argv])
    config = config_from(args, command)
    if not proc_observable():
        raise SystemExit("bench: needs Linux /proc to read server CPU time and memory")
    layout = cpu_layout()
    generator = choose_generator(config.loadgen)
    started = now()
    run = run_info(command, generator, layout, started)
    workdir = Path(tempfile.mkdtemp(prefix="bff-bench-"))
    print(f"bench: {', '.join(names)}; {layout.describe()}; load generator {generator}; "
          f"work directory {workdir}", file=sys.stderr)
    cluster = Cluster(workdir, layout, config.extra_env)
    bench = Bench(config, cluster, layout, generator, workdir)
    errors = 0
    try:
        for name in names:
            title, runner = SCENARIOS[name]
            print(f"bench: [{name}] {title}", file=sys.stderr)
            t0 = time.monotonic()
            load_before = load_average()
            try:
                result = runner(bench)
            except Exception as exc:
                traceback.print_exc()
                errors += 1
                result = ScenarioResult(name, title, status="error",
                                        reason=f"{type(exc).__name__}: {exc}"[:2000])
            result.elapsed_s = time.monotonic() - t0
            result.params["machine_load_1m"] = f"{load_before} before, {load_average()} after"
            path = write_scenario(config.out_dir, result, run)
            verdict = {True: "met", False: "MISSED", None: "-"}
            summary = ", ".join(
                f"{t.name}: {t.measured} ({verdict[t.met]})" for t in result.targets)
            print(f"bench: [{name}] {result.status} in {result.elapsed_s:.0f}s -> {path}"
                  + (f"; {result.reason}" if result.reason else "")
                  + (f"\n    {summary}" if summary else ""), file=sys.stderr)
    finally:
        cluster.stop_all()
        if args.keep_workdir or errors:
            print(f"bench: logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    markdown = write_markdown(config.out_dir, SCENARIOS)
    print(f"bench: wrote {markdown}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
