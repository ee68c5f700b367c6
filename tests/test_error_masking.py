"""Unexpected exceptions are masked: no message, host or stack trace reaches the client."""

from __future__ import annotations

import logging

import pytest

from app import errors
from app.outcome import shape_error


def test_unexpected_exception_is_masked_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    secret = RuntimeError("connect to db.internal.example:5432 failed for user admin")
    degraded: dict[str, dict[str, str]] = {}
    with caplog.at_level(logging.ERROR):
        shaped = shape_error(secret, ["home", "promotions"], [], "mask-test", degraded)
    assert shaped == {
        "message": "Internal server error.",
        "path": ["home", "promotions"],
        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
    }
    assert degraded == {}
    assert "db.internal.example" in caplog.text
    assert getattr(caplog.records[-1], "request_id", None) == "mask-test"


def test_dependency_errors_keep_their_codes_and_feed_the_degraded_map() -> None:
    failure = errors.DependencyError("reviews", errors.DEPENDENCY_TIMEOUT, "timed out")
    degraded: dict[str, dict[str, str]] = {}
    shaped = shape_error(failure, ["product", "rating"], [{"line": 1, "column": 3}], "id",
                         degraded)
    assert shaped["extensions"] == {
        "code": "DEPENDENCY_TIMEOUT", "component": "reviews", "retryable": True
    }
    assert shaped["locations"] == [{"line": 1, "column": 3}]
    assert "timed out" not in shaped["message"]
    assert degraded == {"reviews": {"status": "error", "reason": "DEPENDENCY_TIMEOUT"}}
