"""One deadline per request: created at the edge, consulted by every upstream call."""

from __future__ import annotations

import time


class Deadline:
    """A point on the monotonic clock after which nothing more is awaited."""

    __slots__ = ("budget_ms", "expires_at")

    def __init__(self, budget_ms: float) -> None:
        self.budget_ms = budget_ms
        self.expires_at = time.monotonic() + budget_ms / 1000.0

    def remaining_s(self) -> float:
        return self.expires_at - time.monotonic()

    def remaining_ms(self) -> int:
        """Whole milliseconds left (never negative): what `X-Request-Timeout-Ms` forwards."""
        return max(0, int(self.remaining_s() * 1000))

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.expires_at


RESPONSE_RESERVE_MS = 10
"""Kept back from the budget for shaping and sending the response after the last call."""


def upstream_budget(budget_ms: int) -> int:
    """The part of the request's budget upstream calls may use (a tenth at most is kept)."""
    return budget_ms - min(RESPONSE_RESERVE_MS, budget_ms // 10)


def budget_from_header(value: str | None, default_ms: int, max_ms: int) -> int:
    """The client's `X-Request-Timeout-Ms`, capped by the server's maximum.

    A header that is not a positive integer is ignored in favour of the
    default rather than refusing the request: a budget is advice.
    """
    if value:
        try:
            asked = int(value.strip())
        except ValueError:
            return default_ms
        if asked > 0:
            return min(asked, max_ms)
    return min(default_ms, max_ms)
