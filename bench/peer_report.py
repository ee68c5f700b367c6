"""The peers scenario's results: tables, ratios, targets and notes from what was measured.

The comparison is only honest if every server did the same work, so the same-work checks
live here with the figures: calls per request by call and the answers' data against the
BFF's. A difference is a MISMATCH in the cells, a failed target, and a note; the req/s
targets of that operation then say "not comparable" instead of met or missed.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.cluster import Server
from bench.context import ServerLoad
from bench.peer_cases import Answer, Case, apq_protocol
from bench.result import ScenarioResult, Table
from bench.stats import ratio

GOAL = 1.0
STRETCH = 1.5
CALLS_TOLERANCE = 0.02
"""Calls per request may differ by this much (relative) before it is a mismatch: requests
cut off by the generator at the very end of a run can have made only part of their calls."""
SATURATED_CPU = 0.85


@dataclass(frozen=True)
class Contender:
    """A server under comparison; the first of the list is the BFF, the reference."""

    key: str
    label: str
    server: Server


@dataclass
class Outcome:
    """One server on one case: its first answer and, when that was complete, its load."""

    answer: Answer
    load: ServerLoad | None = None

    @property
    def calls_per_request(self) -> dict[str, float] | None:
        """Upstream calls per request served, by call (`"<service> <path template>"`)."""
        load = self.load
        if load is None or load.upstream_calls is None or not load.handled:
            return None
        return {call: n / load.handled for call, n in sorted(load.upstream_calls.items()) if n}

    @property
    def missing(self) -> str | None:
        """What the tables say instead of figures when the server was not measured."""
        if self.answer.complete:
            return None
        return "not supported" if self.answer.steps[0]["step"].startswith("GET") \
            else "incomplete answer"


def calls_differ(ref: dict[str, float], other: dict[str, float]) -> list[str]:
    """Each call whose rate per request differs beyond the tolerance, with both rates."""
    out = []
    for call in sorted(set(ref) | set(other)):
        a, b = ref.get(call, 0.0), other.get(call, 0.0)
        if abs(a - b) > CALLS_TOLERANCE * max(a, b, 1.0):
            out.append(f"{call}: {a:.2f} vs {b:.2f}")
    return out


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def report(result: ScenarioResult, all_cases: list[Case], contenders: list[Contender],
           outcomes: dict[tuple[str, str], Outcome]) -> None:
    """Fill `result`: one summary row per case (columns per server), one detail row per
    server and case, the BFF's ratios, the targets and the same-work checks."""
    labels = [c.label for c in contenders]
    summary = result.table(
        "Requests/s at saturation, server CPU per request and upstream calls per request "
        "(columns per server; ratios of the BFF's req/s)",
        ["operation", *(f"{x} req/s" for x in labels),
         *(f"BFF/{x} req/s" for x in labels[1:]),
         *(f"{x} CPU ms/req" for x in labels), *(f"{x} calls/req" for x in labels)])
    detail = result.table("Per server and operation", [
        "server", "operation", "req/s", "CPU ms/req", "server CPU %", "p50 ms", "p99 ms",
        "upstream calls/req", "requests served", "response bytes", "same data as the BFF",
        "answers with errors", "failed", "other load on its CPU %"])
    mismatches: list[str] = []
    failed_total = 0
    for case in all_cases:
        row = [outcomes[(case.key, c.key)] for c in contenders]
        ref = row[0]
        rps = [o.load.result.rps if o.load else None for o in row]
        cells_rps = [o.missing if v is None else round(v, 1)
                     for v, o in zip(rps, row, strict=True)]
        case_mismatch = _check(case, contenders, row, mismatches)
        ratios = []
        for c, o, v in zip(contenders[1:], row[1:], rps[1:], strict=True):
            value = ratio(rps[0], v)
            result.ratios[f"{case.key}: BFF req/s / {c.label} req/s"] = value
            result.ratios[f"{case.key}: BFF CPU/req / {c.label} CPU/req"] = ratio(
                ref.load.cpu_ms_per_request if ref.load else None,
                o.load.cpu_ms_per_request if o.load else None)
            ratios.append(None if value is None else round(value, 2))
        summary.add(case.key, *cells_rps, *ratios,
                    *(_r(o.load.cpu_ms_per_request, 2) if o.load else None for o in row),
                    *(_calls_cell(o, case_mismatch) for o in row))
        for c, o in zip(contenders, row, strict=True):
            failed_total += _detail_row(detail, case, c, o, ref)
        _targets(result, case, contenders, rps, case_mismatch)
    _summary_targets(result, all_cases, contenders, outcomes, mismatches, failed_total)
    _notes(result, all_cases, contenders, outcomes, mismatches)


def _calls_cell(outcome: Outcome, mismatch: bool) -> str | float | None:
    load = outcome.load
    if load is None or load.calls_per_request is None:
        return None
    value = round(load.calls_per_request, 2)
    return f"{value} MISMATCH" if mismatch else value


def _check(case: Case, contenders: list[Contender], row: list[Outcome],
           mismatches: list[str]) -> bool:
    """Same calls per request (by call) and same data as the BFF; each difference named."""
    ref = row[0]
    found = False
    for c, o in zip(contenders[1:], row[1:], strict=True):
        if ref.answer.complete and o.answer.complete and o.answer.data != ref.answer.data:
            mismatches.append(f"{case.key}: {c.label}'s data differs from the BFF's")
            found = True
        if ref.calls_per_request is None or o.calls_per_request is None:
            continue
        differ = calls_differ(ref.calls_per_request, o.calls_per_request)
        if differ:
            mismatches.append(f"{case.key}: upstream calls per request, BFF vs {c.label}: "
                              + "; ".join(differ))
            found = True
    return found


def _detail_row(table: Table, case: Case, c: Contender, o: Outcome, ref: Outcome) -> int:
    if o.load is None:
        table.add(c.label, case.key, o.missing, None, None, None, None, None, None,
                  None, None, None, None, None)
        return 0
    load, r = o.load, o.load.result
    same = "n/a" if not ref.answer.complete else "yes" if o.answer.data == ref.answer.data \
        else "NO"
    table.add(c.label, case.key, round(r.rps, 1), _r(load.cpu_ms_per_request, 3),
              round(load.cpu_utilisation * 100), _r(r.latency_ms.get("p50"), 2),
              _r(r.latency_ms.get("p99"), 2), _r(load.calls_per_request, 2), load.served,
              o.answer.size, same, r.graphql_error_responses, r.failed,
              load.other_cpu_percent)
    return load.failed


def _targets(result: ScenarioResult, case: Case, contenders: list[Contender],
             rps: list[float | None], mismatch: bool) -> None:
    if not case.executed_target:
        return
    mercurius = next(i for i, c in enumerate(contenders) if c.key == "mercurius")
    value = ratio(rps[0], rps[mercurius])
    for goal, suffix in ((GOAL, ""), (STRETCH, " (stretch)")):
        name = f"{case.key}: BFF req/s vs Mercurius{suffix}"
        if value is None:
            result.target(name, f">= {goal}x", "not measured (see notes)", None)
        elif mismatch:
            result.target(name, f">= {goal}x", f"{value:.2f}x, NOT COMPARABLE: the servers "
                          "did different work (see notes)", None)
        else:
            result.target(name, f">= {goal}x", f"{value:.2f}x ({rps[0]:.0f} vs "
                          f"{rps[mercurius]:.0f} req/s)", value >= goal)


def _summary_targets(result: ScenarioResult, all_cases: list[Case], contenders: list[Contender],
                     outcomes: dict[tuple[str, str], Outcome], mismatches: list[str],
                     failed_total: int) -> None:
    per_case = []
    for case in all_cases:
        figures = []
        for c in contenders:
            load = outcomes[(case.key, c.key)].load
            figures.append("-" if load is None or load.calls_per_request is None
                           else f"{load.calls_per_request:.2f}")
        per_case.append(f"{case.key} {'/'.join(figures)}")
    calls_bad = any("upstream calls" in m for m in mismatches)
    data_bad = any("data differs" in m for m in mismatches)
    order = "/".join(c.label for c in contenders)
    result.target(f"same upstream calls per request on every server ({order})", "equal",
                  "; ".join(per_case) + (" MISMATCH" if calls_bad else ""), not calls_bad)
    result.target("same data on every server (opaque cursors aside)", "equal",
                  "differs (see notes)" if data_bad else "equal", not data_bad)
    result.target("zero failed requests (peers)", "0", str(failed_total), failed_total == 0)


def _notes(result: ScenarioResult, all_cases: list[Case], contenders: list[Contender],
           outcomes: dict[tuple[str, str], Outcome], mismatches: list[str]) -> None:
    for m in mismatches:
        result.notes.append(f"MISMATCH: {m}. A server doing less work is not faster, it is "
                            "wrong: its figures for this operation are not comparable.")
    for case in all_cases:
        for c in contenders:
            o = outcomes[(case.key, c.key)]
            result.raw[f"{case.key} @ {c.key}"] = {
                "first_answer": {"complete": o.answer.complete, "detail": o.answer.detail,
                                 "steps": o.answer.steps, "bytes": o.answer.size},
                "load": o.load.result.summary() if o.load else None,
                "served": o.load.served if o.load else None,
                "cpu_s": round(o.load.cpu_s, 3) if o.load else None,
                "upstream_calls": o.load.upstream_calls if o.load else None,
            }
            if not o.answer.complete:
                result.notes.append(f"{c.label}, {case.key}: {o.missing}, not measured: "
                                    f"{o.answer.detail}.")
            elif case.method == "GET":
                result.notes.append(f"{case.key}, {c.label}: {apq_protocol(o.answer.steps)}.")
            load = o.load
            if load is not None and load.cpu_utilisation < SATURATED_CPU and load.result.requests:
                result.notes.append(
                    f"{c.label}, {case.key}: server CPU {load.cpu_utilisation:.0%} only: the "
                    "load generator or the upstreams (sharing the other CPU) were the limit, "
                    "so its req/s understates what it can do.")
    result.notes.append(
        "Requests served, CPU ms and calls per request are counted on the upstream side for "
        "every server alike: distinct request ids on the upstream calls once they stopped "
        "arriving, server CPU from /proc/<pid>/stat until then. Failed counts transport "
        "errors, timeouts, non-2xx and answers carrying GraphQL errors.")
    result.notes.append(
        "Response bytes differ a little: the BFF adds extensions.cost, Apollo a newline, and "
        "each server encodes its own (opaque) cursors.")
    result.notes.append(
        "'Other load on its CPU' is what everything else ran on the servers' CPU during the "
        "run (/proc/stat): the machine is shared, so req/s move with it; CPU per request "
        "much less.")
