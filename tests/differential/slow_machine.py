"""When a comparison under a hanging service says nothing about the executors.

With a 300 ms budget, a request on a busy machine (two cores, others'
benchmarks, and the demo upstreams, both BFFs and the client sharing one
process, where a full garbage collection late in the suite can take a good
part of the budget) can run out of time for a healthy service. The call trace
the server returns in development tells that apart from an executor that
waited for the wrong thing, by cause, not by a timing threshold: a call that
depends on the hanging service can only start once the hanging call has
failed, at the deadline. So a call to a healthy service that ran out of time
although it started before any call to the hanging service had ended did not
wait for the hanging service: what decided it was how soon the process got
the CPU (and, if the hanging service was never called, nothing else can have).
Calls that started after the hanging call failed (review authors wait for the
reviews page) are the executor's doing, and compared like everything else.

The reference hitting the server's backstop (the execution outlived the
deadline by the backstop's grace; data null) is also the machine's doing,
graphql-core being the reference; the planned path hitting it alone is a
difference.
"""

from __future__ import annotations

import math
from typing import Any

from tests.differential.exchange import Answer

DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"


def _calls(answer: Answer) -> list[dict[str, Any]]:
    body = answer.body if isinstance(answer.body, dict) else {}
    trace = (body.get("extensions") or {}).get("trace") or {}
    calls: list[dict[str, Any]] = trace.get("calls") or []
    return calls


def starved(answer: Answer, hanging: str) -> str | None:
    """A healthy service's call that ran out of time without waiting for the hanging one."""
    calls = _calls(answer)
    first_failure = min((c["startMs"] + c["durationMs"] for c in calls
                         if c.get("component") == hanging), default=math.inf)
    for call in calls:
        if call.get("component") != hanging and call.get("outcome") == DEADLINE_EXCEEDED \
                and call["startMs"] < first_failure:
            return (f"{answer.request_id}: the {call['component']} call started at "
                    f"{call['startMs']} ms, before any {hanging} call had failed, and still "
                    "ran out of time")
    return None


def hit_the_backstop(answer: Answer) -> bool:
    body = answer.body if isinstance(answer.body, dict) else {}
    return body.get("data") is None and any(
        "path" not in error and (error.get("extensions") or {}).get("code") == DEADLINE_EXCEEDED
        for error in body.get("errors") or ())


def inconclusive(planned: Answer, reference: Answer, hanging: str) -> str | None:
    """Why this pair of answers says nothing about the executors, or None."""
    if hit_the_backstop(reference):
        return f"the reference ({reference.request_id}) outlived its deadline's grace"
    return starved(planned, hanging) or starved(reference, hanging)
