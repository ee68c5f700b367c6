"""The rule that drops a hang example the machine's speed decided (slow_machine.py),
against the real servers: a healthy service that does not answer within the budget
although nothing made it wait is the machine's doing; a call that had to wait for the
hanging service is the executor's, and compared."""

from __future__ import annotations

import json
from typing import Any

from tests.differential.compare import assert_same
from tests.differential.exchange import Answer, Pair, Request
from tests.differential.schema_facts import SCHEMA
from tests.differential.slow_machine import hit_the_backstop, inconclusive, starved

BUDGET_MS = 300


def test_a_healthy_service_answering_too_late_is_the_machines_doing(pair: Pair) -> None:
    """catalog stands in for a starved process: it answers, but after the deadline."""
    pair.demo.fault("reviews", "hang", hang_s=5)
    pair.demo.latency("catalog", 400)
    request = Request('{ product(id: "p0001") { title rating { count } } }',
                      timeout_ms=BUDGET_MS)
    planned, reference = pair.send(request)
    for answer in (planned, reference):
        assert {e["extensions"]["component"] for e in answer.body["errors"]} == {"catalog"}
    reason = inconclusive(planned, reference, "reviews")
    assert reason is not None and "catalog" in reason


def test_a_call_that_waited_for_the_hanging_service_is_compared(pair: Pair) -> None:
    """promotions waits for the user's segment, at most half the budget: with users
    hanging it starts once that wait is over (untargeted), and both paths must answer
    the same."""
    pair.demo.fault("users", "hang", hang_s=5)
    request = Request("{ home { promotions { id } } }", user="u0001", timeout_ms=BUDGET_MS)
    planned, reference = pair.send(request)
    assert reference.body["data"]["home"]["promotions"], reference.body
    assert "errors" not in reference.body
    assert inconclusive(planned, reference, "users") is None
    assert_same(SCHEMA, request, planned, reference)


def _answer(body: dict[str, Any]) -> Answer:
    return Answer(200, body, json.dumps(body), "r1")


def _traced(*calls: tuple[str, float, float, str]) -> Answer:
    return _answer({"data": {}, "extensions": {"trace": {"calls": [
        {"component": c, "ids": None, "startMs": s, "durationMs": d, "outcome": o}
        for c, s, d, o in calls]}}})


def test_a_budget_gone_before_the_first_call_is_the_machines_doing() -> None:
    """Seen late in the whole suite: the budget spent before execution began (a long
    garbage collection), so the first call had none left and the hanging service was
    never even called."""
    assert starved(_traced(("catalog", 1.4, 0.0, "DEADLINE_EXCEEDED")), "reviews")
    waited = _traced(("reviews", 1.0, 289.0, "DEADLINE_EXCEEDED"),
                     ("catalog", 1.2, 3.0, "ok"),
                     ("users", 290.5, 0.0, "DEADLINE_EXCEEDED"))
    assert starved(waited, "reviews") is None


def test_the_reference_outliving_its_grace_is_the_machines_doing() -> None:
    late = _answer({"data": None, "errors": [{"message": "The request's deadline ran out.",
                                              "extensions": {"code": "DEADLINE_EXCEEDED"}}]})
    fine = _answer({"data": {"product": None}, "errors": [{
        "message": "x", "path": ["product"],
        "extensions": {"code": "DEADLINE_EXCEEDED", "component": "catalog"}}]})
    assert hit_the_backstop(late) and not hit_the_backstop(fine)
    assert inconclusive(fine, late, "reviews") is not None
    assert inconclusive(late, fine, "reviews") is None, "the planned path's own doing"
