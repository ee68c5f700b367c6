"""The rule that drops an example the machine's speed decided (slow_machine.py), against
the real servers: a healthy service too slow to answer within the budget is the machine's
doing; a call that had to wait for the hanging service is the executor's, and compared."""

from __future__ import annotations

import json

from tests.differential.compare import assert_same
from tests.differential.exchange import Answer, Pair, Request
from tests.differential.schema_facts import SCHEMA
from tests.differential.slow_machine import hit_the_backstop, inconclusive

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
    reason = inconclusive(planned, reference, pair.demo.stats()["log"], "reviews")
    assert reason is not None and "catalog" in reason


def test_a_call_that_waited_for_the_hanging_service_is_compared(pair: Pair) -> None:
    """promotions needs the user's segment first: with users hanging it starts with no
    budget left, never reaches the demo, and both paths must report it the same."""
    pair.demo.fault("users", "hang", hang_s=5)
    request = Request("{ home { promotions { id } } }", user="u0001", timeout_ms=BUDGET_MS)
    planned, reference = pair.send(request)
    assert reference.body["data"] == {"home": {"promotions": None}}
    assert reference.body["errors"][0]["extensions"]["component"] == "promotions"
    assert inconclusive(planned, reference, pair.demo.stats()["log"], "users") is None
    assert_same(SCHEMA, request, planned, reference)


def test_the_reference_outliving_its_grace_is_the_machines_doing() -> None:
    backstop = {"data": None, "errors": [{"message": "The request's deadline ran out.",
                                          "extensions": {"code": "DEADLINE_EXCEEDED"}}]}
    answered = {"data": {"product": None}, "errors": [{
        "message": "x", "path": ["product"], "extensions": {"code": "DEADLINE_EXCEEDED",
                                                          "component": "catalog"}}]}
    late, fine = (Answer(200, body, json.dumps(body)) for body in (backstop, answered))
    assert hit_the_backstop(late) and not hit_the_backstop(fine)
    assert inconclusive(fine, late, [], "reviews") is not None
    assert inconclusive(late, fine, [], "reviews") is None, "the planned path's own doing"
