"""When a comparison under a hanging service says nothing about the executors.

With a 300 ms budget, a request on a busy machine (two cores, others' benchmarks,
and the demo upstreams, both BFFs and the client sharing one process) can run
out of time for an answer a healthy service did give. The demo's call log tells
that apart from an executor that waited for the wrong thing: if a call the
answer reports as DEADLINE_EXCEEDED reached its (healthy) service, matched by the
request's X-Request-Id and the call's ids, it was made in time, and what
decided its outcome was how soon the process got the CPU back. A call made too
late to be answered (it had to wait for the hanging service, as promotions waits
for the user's segment) never reaches the demo, and is compared like the rest.

The reference hitting the server's backstop (the execution outlived the deadline
by the backstop's grace; data null) is also the machine's doing, graphql-core
being the reference; the planned path hitting it alone is a difference.
"""

from __future__ import annotations

from typing import Any

from tests.differential.exchange import Answer

DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"


def _calls_reaching_the_demo(answer: Answer, log: list[dict[str, Any]]) -> set[tuple[str, Any]]:
    found: set[tuple[str, Any]] = set()
    for entry in log:
        if entry.get("headers", {}).get("x-request-id") == answer.request_id:
            ids = entry.get("ids")
            found.add((entry["service"], tuple(sorted(ids)) if ids else None))
    return found


def timed_out_after_an_answer(answer: Answer, log: list[dict[str, Any]],
                              hanging: str) -> str | None:
    """A call to a healthy service, made and received, that still ran out of time."""
    body = answer.body if isinstance(answer.body, dict) else {}
    trace = (body.get("extensions") or {}).get("trace") or {}
    reached = _calls_reaching_the_demo(answer, log)
    services = {service for service, _ in reached}
    for call in trace.get("calls") or ():
        component = call.get("component")
        if call.get("outcome") != DEADLINE_EXCEEDED or component == hanging:
            continue
        ids = tuple(sorted(call["ids"])) if call.get("ids") else None
        if (component, ids) in reached or (ids is None and component in services):
            return (f"{component} received call {ids or ''} of {answer.request_id}, "
                    "which still ran out of time: the machine was too slow")
    return None


def hit_the_backstop(answer: Answer) -> bool:
    body = answer.body if isinstance(answer.body, dict) else {}
    return body.get("data") is None and any(
        "path" not in error and (error.get("extensions") or {}).get("code") == DEADLINE_EXCEEDED
        for error in body.get("errors") or ())


def inconclusive(planned: Answer, reference: Answer, log: list[dict[str, Any]],
                 hanging: str) -> str | None:
    """Why this pair of answers says nothing about the executors, or None."""
    if hit_the_backstop(reference):
        return f"the reference ({reference.request_id}) outlived its deadline's grace"
    return (timed_out_after_an_answer(planned, log, hanging)
            or timed_out_after_an_answer(reference, log, hanging))
