"""The benchmark harness cannot rot: a tiny run of every scenario produces well-formed results.

Figures are not checked (a tiny run on a shared machine means nothing); only that each
scenario ran or was skipped with a reason, and that the JSON and Markdown are complete.
Uses the pure-Python load generator, so wrk need not be installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench import critical_path, node_peers
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
    "--peer-clients", "2",
]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench-results")
    completed = subprocess.run(
        [sys.executable, "-m", "bench", *TINY, "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
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


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed: peers skipped")
def test_peers_measured_every_server_doing_the_same_work(tiny_run: Path) -> None:
    """With node present (as in CI) the peers scenario runs rather than skips, every
    server answers every case, and the same-work checks hold (exact in a tiny run: the
    Python generator abandons no request)."""
    data = _load(tiny_run, "peers")
    assert data["status"] == "ok", data["reason"]
    summary = data["tables"][0]
    assert summary["columns"][1:4] == ["BFF req/s", "Mercurius req/s", "Apollo req/s"]
    assert [row[0] for row in summary["rows"]] == [
        "SearchResults POST", "HomeScreen POST", "HomeScreen APQ GET"]
    for row in summary["rows"]:
        assert all(isinstance(v, float) and v > 0 for v in row[1:4]), row
    targets = {t["name"]: t for t in data["targets"]}
    same_calls = next(t for name, t in targets.items() if name.startswith("same upstream calls"))
    assert same_calls["met"] is True, same_calls["measured"]
    assert "SearchResults POST 5.00/5.00/5.00" in same_calls["measured"]
    assert targets["same data on every server (opaque cursors aside)"]["met"] is True
    assert targets["zero failed requests (peers)"]["met"] is True
    assert "SearchResults POST: BFF req/s vs Mercurius" in targets


def test_peercalls_differing_by_call_are_named() -> None:
    from bench.peer_report import calls_differ

    bff = {"catalog /search": 1.0, "pricing /prices": 1.0}
    assert calls_differ(bff, dict(bff)) == []
    assert calls_differ(bff, {"catalog /search": 1.0, "pricing /prices": 1.01}) == []
    assert calls_differ(bff, {"catalog /search": 1.0}) == ["pricing /prices: 1.00 vs 0.00"]
    assert calls_differ(bff, {**bff, "pricing /prices": 2.0}) == [
        "pricing /prices: 1.00 vs 2.00"]


def test_peer_doing_less_work_is_flagged_not_faster() -> None:
    """A peer answering the same data with fewer upstream calls gets no req/s verdict."""
    from bench.context import ServerLoad
    from bench.loadgen.spec import LoadResult
    from bench.peer_cases import Answer, cases
    from bench.peer_report import Contender, Outcome, report

    def load(rps: float, calls: dict[str, int]) -> ServerLoad:
        result = LoadResult("python", int(rps * 10), 10.0, {"p50": 1.0, "p99": 2.0},
                            {"status": 0}, graphql_error_responses=0)
        return ServerLoad(result, 9.0, 9.5, int(rps * 10), calls, 0.1)

    full = {"catalog /search": 1000, "pricing /prices": 1000}
    less = {"catalog /search": 3000}
    all_cases = cases()[:1]
    contenders = [Contender(k, label, None) for k, label in  # type: ignore[arg-type]
                  (("bff", "BFF"), ("mercurius", "Mercurius"), ("apollo", "Apollo"))]
    answer = Answer(True, "complete", {"search": 1}, 10)
    outcomes = {
        (all_cases[0].key, "bff"): Outcome(answer, load(100.0, full)),
        (all_cases[0].key, "mercurius"): Outcome(answer, load(300.0, less)),
        (all_cases[0].key, "apollo"): Outcome(answer, load(200.0, {
            k: 2 * v for k, v in full.items()})),
    }
    result = ScenarioResult("peers", "7")
    report(result, all_cases, contenders, outcomes)
    targets = {t.name: t for t in result.targets}
    same = next(t for name, t in targets.items() if name.startswith("same upstream calls"))
    assert same.met is False
    assert "MISMATCH" in same.measured
    verdict = targets["SearchResults POST: BFF req/s vs Mercurius"]
    assert verdict.met is None and "NOT COMPARABLE" in verdict.measured
    summary = result.tables[0]
    assert summary.rows[0][summary.columns.index("Mercurius calls/req")] == "1.0 MISMATCH"
    assert any(n.startswith("MISMATCH: SearchResults POST: upstream calls per request, BFF vs "
                            "Mercurius") for n in result.notes)
    assert not any("Apollo" in n and n.startswith("MISMATCH") for n in result.notes)


def _package(directory: Path, lock: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "package.json").write_text('{"name": "p"}')
    (directory / "package-lock.json").write_text(lock)
    return directory


def test_peer_install_is_skipped_only_while_lockfile_and_node_match(tmp_path: Path) -> None:
    package = _package(tmp_path / "apollo", '{"lockfileVersion": 3}')
    assert node_peers.needs_install(package, "v20.20.2")
    (package / "node_modules").mkdir()
    (package / "node_modules" / node_peers.STAMP).write_text(
        node_peers.install_stamp(package, "v20.1.0"))
    assert not node_peers.needs_install(package, "v20.20.2")
    assert node_peers.needs_install(package, "v22.0.0")
    (package / "package-lock.json").write_text('{"lockfileVersion": 3, "x": 1}')
    assert node_peers.needs_install(package, "v20.20.2")


def test_peer_sources_are_copied_writable_and_kept_in_step(tmp_path: Path) -> None:
    src, dest = tmp_path / "src", tmp_path / "dest"
    (src / "apollo").mkdir(parents=True)
    (src / "apollo" / "server.mjs").write_text("one")
    (src / "apollo" / "gone.mjs").write_text("x")
    for path in (src / "apollo").iterdir():
        path.chmod(0o444)
    node_peers.sync_sources(src, dest)
    assert (dest / "apollo" / "server.mjs").read_text() == "one"
    assert os.access(dest / "apollo" / "server.mjs", os.W_OK)
    (dest / "apollo" / "node_modules").mkdir()
    (dest / "apollo" / "node_modules" / "kept.js").write_text("k")
    (src / "apollo" / "server.mjs").chmod(0o644)
    (src / "apollo" / "server.mjs").write_text("two")
    (src / "apollo" / "gone.mjs").chmod(0o644)
    (src / "apollo" / "gone.mjs").unlink()
    node_peers.sync_sources(src, dest)
    assert (dest / "apollo" / "server.mjs").read_text() == "two"
    assert not (dest / "apollo" / "gone.mjs").exists()
    assert (dest / "apollo" / "node_modules" / "kept.js").exists()


def test_peers_unavailable_without_node(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(node_peers.shutil, "which", lambda name: None)
    with pytest.raises(node_peers.Unavailable, match="node is not installed"):
        node_peers.prepare(tmp_path / "src", tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


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
