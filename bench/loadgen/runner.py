"""Running one load: wrk when installed, else the pure-Python generator.

Each run is a child process pinned to the load generator's CPUs; `run_load`
blocks until it ends (bounded by the run's duration plus slack) and may call
`on_tick` meanwhile (the memory scenario samples the server's RSS so).
"""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import orjson

from bench.loadgen import wrk
from bench.loadgen.spec import LoadResult, LoadSpec
from bench.procs import pinner, python_argv

_counter = itertools.count(1)


def choose_generator(preference: str) -> str:
    """`auto`: wrk when installed, else python. `wrk` insists (error if absent)."""
    if preference == "python":
        return "python"
    if preference == "wrk":
        if not wrk.available():
            raise RuntimeError("--loadgen wrk: wrk is not installed (apt-get install -y wrk)")
        return "wrk"
    return "wrk" if wrk.available() else "python"


def run_load(
    spec: LoadSpec,
    *,
    generator: str,
    workdir: Path,
    cpus: tuple[int, ...],
    on_tick: Callable[[], None] | None = None,
    tick_s: float = 0.1,
) -> LoadResult:
    """Run one load; per-request records force the python generator."""
    number = next(_counter)
    if spec.request_ids:
        generator = "python"
        spec = replace(spec, id_prefix=f"L{os.getpid()}-{number}-")
    run_dir = workdir / f"load-{number:03d}"
    run_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = run_dir / "stdout.txt", run_dir / "stderr.txt"
    out_path = run_dir / "result.json"
    if generator == "wrk":
        script_path = run_dir / "script.lua"
        script_path.write_text(wrk.script(spec))
        argv = wrk.argv(spec, script_path, threads=max(1, len(cpus) or 1))
    else:
        spec_path = run_dir / "spec.json"
        spec_path.write_bytes(orjson.dumps(spec.to_json()))
        argv = python_argv("bench.loadgen.pyload", str(spec_path), str(out_path))
    limit = time.monotonic() + math.ceil(spec.duration_s) + spec.timeout_s + 30
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            preexec_fn=pinner(cpus),
        )
        try:
            while proc.poll() is None:
                if time.monotonic() > limit:
                    raise RuntimeError(f"load generator overran its time limit: {argv[:3]}")
                if on_tick is not None:
                    on_tick()
                time.sleep(tick_s)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    stdout = stdout_path.read_text(errors="replace")
    stderr = stderr_path.read_text(errors="replace")
    if generator == "wrk":
        return wrk.parse(stdout, stderr, proc.returncode)
    if proc.returncode != 0 or not out_path.exists():
        raise RuntimeError(f"python load generator failed ({proc.returncode}): {stderr[-2000:]}")
    data = orjson.loads(out_path.read_bytes())
    out_path.unlink()  # per-request records can be large; the summary is kept by the caller
    return LoadResult(
        generator="python",
        requests=int(data["requests"]),
        duration_s=float(data["duration_s"]),
        latency_ms={k: float(v) for k, v in data["latency_ms"].items()},
        failures={k: int(v) for k, v in data["failures"].items()},
        status_counts={k: int(v) for k, v in data["status_counts"].items()},
        graphql_error_responses=data["graphql_error_responses"],
        records=[(str(r), float(ms), int(st)) for r, ms, st in data["records"]],
    )

