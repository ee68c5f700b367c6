"""Whether a failed upstream read goes once more, and after how long.

The upstream client (`app.upstream`) asks this module after a read's only
attempt failed in a way a second attempt can fix: the connection was refused
or reset (or closed before a whole answer), or the service answered 502, 503
or 504. Writes never get here, nor does a read that was hedged (its twin was
already its second attempt), nor a read whose service's breaker is now open.

The answer (`decide`) is one of RUNNING.md's `decision` labels of
`bff_upstream_retries_total`:

- `deadline`: no room for a useful call: after the wait, less than
  `BFF_UPSTREAM_MIN_BUDGET_MS` of the request's budget would be left (a
  `Retry-After` longer than that counts: it is honoured or not at all);
- `budget`: the service's retry budget is spent (`RetryBudget`);
- `sent`: go again after `wait_s`: a short jittered backoff, or the
  service's `Retry-After` when it asks for longer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

SENT, BUDGET, DEADLINE = "sent", "budget", "deadline"

BACKOFF_S = (0.005, 0.025)
"""The wait before a retry, drawn uniformly: enough to let a restarting instance or a
load balancer's next target take over, short next to any useful budget; jittered so
the retries of one failure do not arrive together."""
WINDOW_S = 10.0
"""The retry budget's sliding window: calls and retries of the last 10 s count."""
_SLOTS = 10
MIN_RETRIES_PER_WINDOW = 5
"""Retries allowed per window on top of the ratio, so a quiet service (a few calls per
window) can still be retried at all; a failing busy one is held to the ratio."""


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: str  # SENT, BUDGET or DEADLINE
    wait_s: float = 0.0


class RetryBudget:
    """One service's retries in this process: at most `ratio` of its calls over the last
    `WINDOW_S` seconds, plus `MIN_RETRIES_PER_WINDOW`.

    Per-process instance health (like the breaker's window), not per-user state:
    ten one-second slots, each counting the calls started and the retries sent in
    it; slots older than the window are cleared as the clock reaches them again.
    """

    __slots__ = ("_calls", "_clock", "_ratio", "_retries", "_stamps")

    def __init__(self, ratio: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ratio = ratio
        self._clock = clock
        self._calls = [0] * _SLOTS
        self._retries = [0] * _SLOTS
        self._stamps = [-1] * _SLOTS  # which second each slot currently counts

    def _slot(self) -> int:
        second = int(self._clock() * _SLOTS / WINDOW_S)
        index = second % _SLOTS
        if self._stamps[index] != second:
            self._stamps[index] = second
            self._calls[index] = 0
            self._retries[index] = 0
        return index

    def record_call(self) -> None:
        """A call to the service started (its retries are not calls)."""
        self._calls[self._slot()] += 1

    def try_spend(self) -> bool:
        """Take one retry from the budget, if the window has room for it."""
        index = self._slot()
        oldest = self._stamps[index] - _SLOTS
        calls = retries = 0
        for slot in range(_SLOTS):
            if self._stamps[slot] > oldest:
                calls += self._calls[slot]
                retries += self._retries[slot]
        if retries >= MIN_RETRIES_PER_WINDOW + self._ratio * calls:
            return False
        self._retries[index] += 1
        return True


def retry_after_s(value: str | None) -> float | None:
    """A `Retry-After` value in seconds (delta-seconds or an HTTP date); None if absent or
    unreadable (then the backoff alone applies)."""
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def decide(remaining_s: float, floor_s: float, retry_after: str | None,
           budget: RetryBudget) -> Decision:
    """Retry or not, and after how long (see the module's docstring)."""
    wait = random.uniform(*BACKOFF_S)
    asked = retry_after_s(retry_after)
    if asked is not None:
        wait = max(wait, asked)
    if remaining_s - wait < floor_s:
        return Decision(DEADLINE)
    if not budget.try_spend():
        return Decision(BUDGET)
    return Decision(SENT, wait)
