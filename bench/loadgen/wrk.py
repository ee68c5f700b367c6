"""wrk as the load generator: a Lua script per run, results read back as JSON from `done()`."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import orjson

from bench.loadgen.spec import LoadResult, LoadSpec

_MARK = "BENCH_JSON "

_COUNT_ERRORS = r"""
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) graphql_errors = 0 end
response = function(status, headers, body)
  if body and string.find(body, '"errors"', 1, true) then graphql_errors = graphql_errors + 1 end
end
local function errors_seen()
  local n = 0
  for _, t in ipairs(threads) do n = n + (t:get("graphql_errors") or 0) end
  return n
end
"""

_NO_COUNT = r"""
local function errors_seen() return -1 end
"""

_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  local p = function(q) return latency:percentile(q) / 1000.0 end
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"bytes":%d,"graphql_errors":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_ms":{"count":%d,"min":%.3f,"p50":%.3f,"p90":%.3f,"p95":%.3f,"p99":%.3f,' ..
    '"p999":%.3f,"max":%.3f,"mean":%.3f}}\n',
    "BENCH_JSON ", summary.requests, summary.duration, summary.bytes, errors_seen(),
    e.connect, e.read, e.write, e.status, e.timeout,
    summary.requests, latency.min / 1000.0, p(50), p(90), p(95), p(99), p(99.9),
    latency.max / 1000.0, latency.mean / 1000.0))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(data: bytes) -> str:
    text = data.decode("utf-8")
    level = 1
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def _lua_quoted(text: str) -> str:
    escaped = "".join(c if c.isalnum() or c in " -_.,:;/=+*&%$#@!?()<>{}'" else
                      f"\\{ord(c):03d}" for c in text)
    return f'"{escaped}"'


def script(spec: LoadSpec) -> str:
    lines = [f"wrk.method = {_lua_quoted(spec.method)}"]
    for name, value in spec.headers.items():
        lines.append(f"wrk.headers[{_lua_quoted(name)}] = {_lua_quoted(value)}")
    bodies = spec.bodies if spec.method != "GET" else []
    if len(bodies) == 1:
        lines.append(f"wrk.body = {_lua_string(bodies[0])}")
    elif len(bodies) > 1:
        lines.append("local bodies = {" + ", ".join(_lua_string(b) for b in bodies) + "}")
        lines.append("local i = 0")
        lines.append("request = function()")
        lines.append("  i = i % #bodies + 1")
        lines.append("  return wrk.format(nil, nil, nil, bodies[i])")
        lines.append("end")
    counting = _COUNT_ERRORS if spec.check_bodies else _NO_COUNT
    return "\n".join(lines) + "\n" + counting + _DONE


def argv(spec: LoadSpec, script_path: Path, threads: int) -> list[str]:
    """The wrk command for `spec` (duration in whole seconds, at least one)."""
    if spec.request_ids:
        raise ValueError("wrk cannot keep per-request records; use the python generator")
    seconds = max(1, math.ceil(spec.duration_s))
    threads = max(1, min(threads, spec.connections))
    return [
        "wrk", f"-t{threads}", f"-c{spec.connections}", f"-d{seconds}s",
        f"--timeout={max(1, math.ceil(spec.timeout_s))}s", "-s", str(script_path), spec.url,
    ]


def parse(stdout: str, stderr: str, returncode: int) -> LoadResult:
    line = next((ln for ln in stdout.splitlines() if ln.startswith(_MARK)), None)
    if returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({returncode}): {stderr.strip()}\n{stdout[-2000:]}")
    data = orjson.loads(line[len(_MARK):])
    return LoadResult(
        generator="wrk",
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        latency_ms={k: float(v) for k, v in data["latency_ms"].items()},
        failures={k: int(v) for k, v in data["errors"].items()},
        graphql_error_responses=None if data["graphql_errors"] < 0 else int(data["graphql_errors"]),
    )
