"""Scenario 7: the BFF against the two Node servers a team would pick instead, in one run.

Apollo Server 5 + DataLoader and Fastify + Mercurius + graphql-jit (`../shared/peers`)
implement the same contract over the same demo upstreams. Each server in turn gets the
same request bytes, connections and duration on the same CPU; the upstreams answer at
once. What is compared is requests/s at saturation and CPU per request, and it is only a
comparison if every server did the same upstream work for the same data: calls per
request (the upstreams' own counters) and the answers' data are checked equal, and a
difference is reported as a failed target, never smoothed over.

Requests served are counted on the upstream side (distinct request ids forwarded by the
server, after its last call has arrived), the same way for the BFF and the peers, so CPU
and calls per request are divided by what each server actually handled.
"""

from __future__ import annotations

from bench import node_peers
from bench.cluster import Server
from bench.context import Bench, ServerLoad
from bench.loadgen.spec import LoadSpec
from bench.peer_cases import cases, first_answer
from bench.peer_report import Contender, Outcome, report
from bench.procs import cpu_busy_seconds
from bench.result import ScenarioResult

NAME = "peers"
TITLE = "7. Against the Node peers (Mercurius + graphql-jit, Apollo Server), one core each"
BFF = "BFF"


def measure(bench: Bench, server: Server, spec: LoadSpec) -> ServerLoad:
    """Warm up, then one run with the server's CPU time around it, counted upstream.

    After each run the bench waits for the upstreams to go quiet (the server has finished
    what the generator abandoned) before reading the server's CPU time, the call counters
    and the requests served.
    """
    control = bench.cluster.control
    assert control is not None
    control.fresh()
    if bench.config.warmup_s > 0:
        bench.warm(spec)
        control.settle()
        control.fresh()
    busy_before = cpu_busy_seconds(server.proc.cpus)
    before = server.proc.cpu_seconds()
    result = bench.load(spec)
    cpu_run = server.proc.cpu_seconds() - before
    busy_after = cpu_busy_seconds(server.proc.cpus)
    other = None
    if busy_before is not None and busy_after is not None:
        other = busy_after - busy_before - cpu_run
    if not control.settle():
        raise RuntimeError(f"{server.name}: upstream calls still arriving 15 s after the run")
    cpu = server.proc.cpu_seconds() - before
    calls = control.calls()
    served, timed = control.requests_seen()
    if timed != sum(calls.values()):
        raise RuntimeError(f"{server.name}: {timed} calls timed but {sum(calls.values())} "
                           "counted: requests served cannot be counted from the timings")
    return ServerLoad(result, cpu_run, cpu, served or None, calls, other)


def _start(bench: Bench, installed: node_peers.Installed) -> list[Contender]:
    contenders = [Contender("bff", BFF, bench.cluster.bff("bff"))]
    for peer in node_peers.PEERS:
        server = bench.cluster.peer(peer.key, installed.node, installed.script(peer))
        contenders.append(Contender(peer.key, peer.label, server))
    return contenders


def run(bench: Bench) -> ScenarioResult:
    cfg = bench.config
    all_cases = cases()
    result = ScenarioResult(NAME, TITLE, params={
        "connections": cfg.peer_clients, "duration_s": cfg.duration_s,
        "warmup_s": cfg.warmup_s, "upstream_latency": "none (instant)",
        "operations": "; ".join(c.key for c in all_cases) + " (HomeScreen signed in as "
                      "u0001, JWT signed with the shared secret; every request also carries "
                      "X-Request-Timeout-Ms: 5000, which only the BFF reads)",
        "cpu": f"each server in turn on CPU {','.join(map(str, bench.layout.server)) or 'any'}",
        "order": "per operation: BFF, then each peer",
    })
    try:
        installed = node_peers.prepare()
    except node_peers.Unavailable as exc:
        return result.skip(f"Node peers not available: {exc}")
    result.params["node"] = installed.node_version
    result.params["peers"] = "; ".join(
        f"{p.label}: " + ", ".join(f"{k} {v}" for k, v in installed.versions[p.key].items())
        for p in node_peers.PEERS)
    result.raw["install"] = installed.installs

    bench.cluster.start_upstreams()
    contenders = _start(bench, installed)
    outcomes: dict[tuple[str, str], Outcome] = {}
    for case in all_cases:
        for c in contenders:
            answer = first_answer(case, c.server.graphql_url)
            outcome = outcomes[(case.key, c.key)] = Outcome(answer)
            if not answer.complete:
                continue
            spec = case.spec(c.server.graphql_url, cfg.peer_clients, cfg.duration_s)
            outcome.load = measure(bench, c.server, spec)
    for c in contenders:
        if c.key != "bff":
            bench.cluster.stop(c.key)
    report(result, all_cases, contenders, outcomes)
    return result


