"""The benchmark harness cannot rot: a tiny run of every scenario produces well-formed results.

Figures are not checked (a tiny run on a shared machine means nothing); only that each
scenario ran or was skipped with a reason, and that the JSON and Markdown are complete.
Uses the pure-Python load generator, so wrk need not be installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench import critical_path
from bench.loadgen import wrk
from bench.loadgen.spec import LoadSpec
from bench.report import markdown
from bench.result import ScenarioResult
from bench.scenarios import SCENARIOS
from bench.stats import percentile, summarize

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

TINY = [
    "--quick", "--loadgen", "python", "--duration", "0.5", "--warmup", "0",
    "--saturation-clients", "2", "--latency-clients", "4", "--deadline-clients", "2",
    "--tail-clients", "2", "--upstream-latency", "2/5", "--inprocess-iterations", "3",
    "--memory-requests", "20", "--memory-max-s", "1", "--memory-in-flight", "4",
]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench-results")
    completed = subprocess.run(
        [sys.executable, "-m", "bench", *TINY, "--out", str(out)],
        capture_output=True, text=True, timeout=90, check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    return out


def _load(out: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads((out / f"{name}.json").read_bytes())
    return data


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_scenario_writes_well_formed_json(tiny_run: Path, name: str) -> None:
    data = _load(tiny_run, name)
    assert data["scenario"] == name
    assert data["status"] in ("ok", "skipped"), data["reason"]
    if data["status"] == "skipped":
        assert data["reason"]
    else:
        assert data["tables"], "an ok scenario shows at least one table"
        assert data["targets"], "an ok scenario checks at least one target"
    for table in data["tables"]:
        assert table["rows"]
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
    for target in data["targets"]:
        assert set(target) == {"name", "goal", "measured", "met"}
        assert target["met"] in (True, False, None)
    run = data["run"]
    assert run["date"] and run["command"].startswith("python -m bench")
    assert run["machine"]["cpus_usable"] >= 1
    assert "python" in run["load_generator"]


def test_markdown_has_every_scenario(tiny_run: Path) -> None:
    text = (tiny_run / "README.md").read_text()
    assert text.startswith("# Benchmark results")
    assert "**Targets**" in text
    for title, _ in SCENARIOS.values():
        assert f"## {title}" in text


def test_latency_rows_join_upstream_timings(tiny_run: Path) -> None:
    data = _load(tiny_run, "latency")
    search = data["raw"][next(k for k in data["raw"] if k.startswith("SearchResults@"))]
    assert search["load"]["requests"] > 0
    assert search["unmatched_requests"] < search["load"]["requests"]
    assert search["critical_path_ms"]["count"] > 0


def test_critical_path_is_the_longest_dependency_chain() -> None:
    graph = critical_path.GRAPHS["SearchResults"]
    durations = {"catalog /search": 20.0, "catalog /products": 5.0, "pricing /prices": 30.0,
                 "inventory /stock": 10.0}
    assert critical_path.longest_path_ms(graph, durations) == 50.0
    timings = [("r1", "catalog /search", 0.0, 20.0), ("r1", "pricing /prices", 0.0, 3.0),
               ("r1", "pricing /prices", 0.0, 7.0), ("", "users /users", 0.0, 1.0)]
    assert critical_path.per_request_durations(timings) == {
        "r1": {"catalog /search": 20.0, "pricing /prices": 7.0}}


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert summarize(values)["p999"] == 100.0
    assert summarize([])["count"] == 0


def test_wrk_script_quotes_headers_and_parses_its_output() -> None:
    spec = LoadSpec("http://127.0.0.1:1/graphql", "POST",
                    {"Content-Type": "application/json", "X-Odd": 'a"b]]c'},
                    [b'{"query": "{ a }", "x": "]]"}'])
    script = wrk.script(spec)
    assert 'wrk.headers["X-Odd"] = "a\\034b\\093\\093c"' in script
    assert "wrk.body = [=[" in script
    line = ('BENCH_JSON {"requests":10,"duration_us":2000000,"bytes":5,"graphql_errors":1,'
            '"errors":{"connect":0,"read":0,"write":0,"status":2,"timeout":0},'
            '"latency_ms":{"count":10,"min":1.0,"p50":2.0,"p90":3.0,"p95":3.5,"p99":4.0,'
            '"p999":4.0,"max":4.0,"mean":2.1}}')
    result = wrk.parse(line + "\n", "", 0)
    assert result.rps == 5.0
    assert result.failed == 2
    assert result.graphql_error_responses == 1


def test_markdown_renders_a_skipped_scenario() -> None:
    result = ScenarioResult("persisted_get", "3. Persisted GET").skip("no response cache")
    run = {"date": "d", "command": "python -m bench", "cpu_placement": "p", "load_generator": "g",
           "packages": {}, "commit": None,
           "machine": {"cpus_usable": 2, "cpus_online": 2, "cpu_model": "m", "platform": "p",
                       "python": "3"}}
    text = markdown([orjson.loads(orjson.dumps(result.to_json(run)))])
    assert "**skipped**: no response cache" in text
