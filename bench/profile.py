"""Profile the BFF under scenario 1's load: `python -m bench.profile [--operation NAME]`.

Starts the demo upstreams and the BFF as `python -m bench` does, drives the
operation at saturation (upstreams instant), and samples the server with py-spy
(`pip install py-spy`; not a project dependency). Writes a summary of the hottest
frames (own time and inclusive time) to `--out` (default `bench/results/profile/`),
and the collapsed stacks too with `--keep-stacks`.

The BFF's garbage-collection pauses are logged by `bench.experiments.gcprobe` and
summed in the summary. `--experiment NAME` runs the BFF with
`bench/experiments/NAME/sitecustomize.py` loaded (a change tried from outside, for a
before/after pair: `--experiment gc_probe` is the unchanged server).
`--env NAME=VALUE` sets any other environment for the BFF.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

from bench import operations
from bench.cluster import Cluster
from bench.gc_log import read_pauses
from bench.loadgen.runner import choose_generator, run_load
from bench.loadgen.spec import LoadSpec
from bench.procs import cpu_layout


def summarize(collapsed: Path, top: int = 25) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return "no samples"
    lines = [f"samples: {total}", "", "own time:"]
    lines += [f"{n / total:6.1%}  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "inclusive time (frames under the event loop):"]
    lines += [f"{n / total:6.1%}  {frame}" for frame, n in inclusive.most_common(top * 3)
              if n / total < 0.99][:top * 2]
    return "\n".join(lines)


EXPERIMENTS = Path(__file__).resolve().parent / "experiments"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--operation", choices=("SearchResults", "HomeScreen"),
                        default="SearchResults")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent / "results" / "profile")
    parser.add_argument("--experiment", default="gc_probe",
                        help="directory under bench/experiments (default gc_probe: no change)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--keep-stacks", action="store_true",
                        help="also write the collapsed stacks (MBs) to --out")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("py-spy not found: pip install py-spy (into the venv)")
    extra = {"PYTHONPATH": str(EXPERIMENTS / args.experiment)}
    extra.update(dict(item.partition("=")[::2] for item in args.env))
    if not (EXPERIMENTS / args.experiment / "sitecustomize.py").exists():
        raise SystemExit(f"no experiment {args.experiment!r} under {EXPERIMENTS}")
    label = f"{args.operation}-{args.experiment}"
    layout = cpu_layout()
    generator = choose_generator(args.loadgen)
    workdir = Path(tempfile.mkdtemp(prefix="bff-profile-"))
    args.out.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(workdir, layout, extra)
    try:
        cluster.start_upstreams()
        bff = cluster.bff("bff")
        request = next(r for r in operations.throughput_requests() if r.name == args.operation)
        request = replace(request, headers={**request.headers, **operations.LONG_BUDGET})
        spec = LoadSpec(bff.graphql_url, "POST", request.post_headers(), [request.body()],
                        args.clients, args.seconds + 4)
        collapsed = (args.out if args.keep_stacks else workdir) / f"{label}.collapsed.txt"
        warm = replace(spec, duration_s=3)
        run_load(warm, generator=generator, workdir=workdir, cpus=layout.loadgen)
        before = bff.proc.cpu_seconds()
        spy = subprocess.Popen([py_spy, "record", "-p", str(bff.proc.pid), "-d",
                                str(args.seconds), "-r", str(args.rate), "-f", "raw", "-o",
                                str(collapsed)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            result = run_load(spec, generator=generator, workdir=workdir, cpus=layout.loadgen)
        finally:
            spy.wait(args.seconds + 30)
        cpu = bff.proc.cpu_seconds() - before
        per_request = cpu * 1000 / max(1, result.requests)
        lat = result.latency_ms
        header = (f"{args.operation}, experiment {args.experiment}: {result.rps:.1f} req/s, "
                  f"{per_request:.2f} ms server CPU per request, p50 {lat['p50']:.1f} ms, "
                  f"p99 {lat['p99']:.1f} ms, {result.failed} failed ({args.clients} clients, "
                  f"{args.seconds} s profiled, generator {generator})\n"
                  + "GC pauses during warm-up and run: "
                  + read_pauses(bff.proc.log_path).describe() + "\n\n")
        text = header + summarize(collapsed)
        (args.out / f"{label}.summary.txt").write_text(text)
        print(text)
    finally:
        cluster.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
