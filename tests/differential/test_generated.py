"""Generated queries through both executors, anonymous and signed in: with healthy
upstreams, then with each of the ten services failing in each way the demo can fail,
and selections with nothing to fetch aimed at each level where a planner could skip
a fetch it still needs.

Examples are few per fault (each costs four requests, and with a hanging
service each waits out the 300 ms budget), many with healthy upstreams;
`derandomize` makes CI draw the same queries every run. A failure prints
the query, its variables and both answers (compare.report).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, reject, settings
from hypothesis import strategies as st

from demo.server import SERVICES
from tests.differential.aims import LEVELS
from tests.differential.compare import assert_same
from tests.differential.exchange import Pair, Request
from tests.differential.generate import Generated, documents, empty_selections
from tests.differential.schema_facts import SCHEMA
from tests.differential.slow_machine import inconclusive

HEALTHY_EXAMPLES = 150
EXAMPLES_PER_FAULT = {"status": 4, "invalid_json": 3, "wrong_shape": 3, "reset": 3, "hang": 2}
EMPTY_EXAMPLES = {"healthy": 8, "catalog failing": 3}
HANG_BUDGET_MS = 300
STATUSES = (500, 503, 502, 504, 429, 404, 400)
SIGNED_IN = st.sampled_from(["u0001", "u0002", "u0042", "u0500", "u0999"])  # u0999: unknown


def examples(count: int) -> settings:
    return settings(max_examples=count, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def compare(pair: Pair, case: Generated, user: str, hanging: str | None = None) -> None:
    """Anonymous, then signed in. With a `hanging` service the request asks for a short
    budget, which both paths then wait out; an example the machine's speed decided is
    dropped (slow_machine.py says when, from the calls' trace), not compared."""
    for who in (None, user):
        request = Request(case.query, case.variables, user=who)
        if hanging:
            request = dataclasses.replace(request, timeout_ms=HANG_BUDGET_MS)
        planned, reference = pair.send(request)
        if hanging:
            reason = inconclusive(planned, reference, hanging)
            if reason is not None:
                note(reason)
                reject()
        assert_same(SCHEMA, request, planned, reference)


@examples(HEALTHY_EXAMPLES)
@given(case=documents(), user=SIGNED_IN)
def test_healthy_upstreams(pair: Pair, case: Generated, user: str) -> None:
    compare(pair, case, user)


def empty_at_each_level(catalog: str) -> Any:
    """Selections with nothing to fetch, aimed at each level, with the catalog healthy or
    failing (a product selected only for `__typename` still needs the catalog to know
    whether it exists: null, and an error, when it cannot say)."""

    @pytest.mark.parametrize("level", LEVELS)
    @examples(EMPTY_EXAMPLES[catalog])
    @given(data=st.data())
    def test(pair: Pair, level: str, data: st.DataObject) -> None:
        case = data.draw(empty_selections(level), label="query")
        user = data.draw(SIGNED_IN, label="user")
        if catalog == "catalog failing":
            pair.demo.fault("catalog", "status", status=503)
        try:
            compare(pair, case, user)
        finally:
            pair.demo.reset()

    return test


test_empty_selections_at_each_level = empty_at_each_level("healthy")
test_empty_selections_with_the_catalog_failing = empty_at_each_level("catalog failing")


def failing(mode: str) -> Any:
    """The test for one fault mode, over the ten services (its own example count)."""

    @pytest.mark.parametrize("service", SERVICES)
    @examples(EXAMPLES_PER_FAULT[mode])
    @given(data=st.data())
    def test(pair: Pair, service: str, data: st.DataObject) -> None:
        options: dict[str, Any] = {}
        if mode == "status":
            options["status"] = data.draw(st.sampled_from(STATUSES), label="status")
        if mode == "hang":
            options["hang_s"] = 5  # released at once by the reset below
        case = data.draw(documents(service, light=mode == "hang"), label="query")
        user = data.draw(SIGNED_IN, label="user")
        pair.demo.fault(service, mode, **options)
        try:
            compare(pair, case, user, hanging=service if mode == "hang" else None)
        finally:
            pair.demo.reset()

    return test


test_service_answers_an_error_status = failing("status")
test_service_answers_invalid_json = failing("invalid_json")
test_service_answers_the_wrong_shape = failing("wrong_shape")
test_service_resets_the_connection = failing("reset")
test_service_hangs = failing("hang")
