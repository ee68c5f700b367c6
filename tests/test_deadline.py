"""The request budget: the client's header capped by the server, minus the response reserve."""

from __future__ import annotations

from app.deadline import Deadline, budget_from_header, upstream_budget


def test_budget_from_the_header_is_capped_and_defaulted() -> None:
    assert budget_from_header(None, 1000, 5000) == 1000
    assert budget_from_header("300", 1000, 5000) == 300
    assert budget_from_header("60000", 1000, 5000) == 5000
    assert budget_from_header("soon", 1000, 5000) == 1000
    assert budget_from_header("-5", 1000, 5000) == 1000
    assert budget_from_header(None, 9000, 5000) == 5000


def test_upstream_calls_leave_time_to_answer() -> None:
    assert upstream_budget(300) == 290
    assert upstream_budget(1000) == 990
    assert upstream_budget(50) == 45  # a tenth at most for short budgets
    assert upstream_budget(1) == 1


def test_deadline_counts_down() -> None:
    deadline = Deadline(200)
    assert 0 < deadline.remaining_ms() <= 200
    assert not deadline.expired
    assert Deadline(0).expired
    assert Deadline(0).remaining_ms() == 0
