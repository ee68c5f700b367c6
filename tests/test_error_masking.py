"""Unexpected exceptions are masked: no message, host or stack trace reaches the client."""

from __future__ import annotations

import logging

import pytest
from graphql import ExecutionResult, GraphQLError

from app import errors
from app.context import RequestContext
from app.deadline import Deadline
from app.execution import shape
from app.settings import load_settings
from app.tracecontext import TraceContext
from app.upstream import CallScope


def _context() -> RequestContext:
    scope = CallScope("mask-test", Deadline(1000), TraceContext.from_header(None))
    return RequestContext(load_settings({}), scope, None)  # type: ignore[arg-type]


def test_unexpected_exception_is_masked_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    secret = RuntimeError("connect to db.internal.example:5432 failed for user admin")
    error = GraphQLError("boom", path=["home", "promotions"], original_error=secret)
    with caplog.at_level(logging.ERROR):
        outcome = shape(ExecutionResult(data={"home": None}, errors=[error]), _context())
    assert outcome.errors == [{
        "message": "Internal server error.",
        "path": ["home", "promotions"],
        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
    }]
    assert outcome.degraded == {}
    assert "db.internal.example" in caplog.text
    assert getattr(caplog.records[-1], "request_id", None) == "mask-test"


def test_dependency_errors_keep_their_codes_and_feed_the_degraded_map() -> None:
    failure = errors.DependencyError("reviews", errors.DEPENDENCY_TIMEOUT, "timed out")
    error = GraphQLError("x", path=["product", "rating"], original_error=failure)
    outcome = shape(ExecutionResult(data={"product": {"rating": None}}, errors=[error]),
                    _context())
    assert outcome.errors[0]["extensions"] == {
        "code": "DEPENDENCY_TIMEOUT", "component": "reviews", "retryable": True
    }
    assert "timed out" not in outcome.errors[0]["message"]
    assert outcome.degraded == {"reviews": {"status": "error", "reason": "DEPENDENCY_TIMEOUT"}}
