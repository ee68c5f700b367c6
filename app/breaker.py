"""A circuit breaker per upstream service (per process: instance health, not user state).

Closed: calls flow and their outcomes fill a window of the last calls; once the
window holds at least `min_calls` and the failure ratio reaches `failure_rate`,
it opens. Open: calls are refused at once (CIRCUIT_OPEN) for `open_s`. Then
half-open: one probe at a time; its success closes the breaker, its failure
opens it again. Only the service's own failures count (timeouts, connection
failures, 5xx, bad answers), not the request's deadline or a full bulkhead.
"""

from __future__ import annotations

import time
from collections import deque

from app import metrics

CLOSED, OPEN, HALF_OPEN = 0, 1, 2
WINDOW_FLOOR = 20


class Breaker:
    __slots__ = ("_component", "_failure_rate", "_min_calls", "_open_s", "_opened_at",
                 "_probing", "_state", "_window")

    def __init__(self, component: str, min_calls: int, failure_rate: float, open_s: float):
        self._component = component
        self._min_calls = min_calls
        self._failure_rate = failure_rate
        self._open_s = open_s
        self._window: deque[bool] = deque(maxlen=max(min_calls, WINDOW_FLOOR))
        self._state = CLOSED
        self._opened_at = 0.0
        self._probing = False
        metrics.BREAKER_STATE.labels(component).set(CLOSED)

    @property
    def state(self) -> int:
        return self._state

    def allow(self) -> bool:
        """May a call go out now? (In half-open, only one probe at a time.)"""
        if self._state == CLOSED:
            return True
        if self._state == OPEN:
            if time.monotonic() - self._opened_at < self._open_s:
                return False
            self._set(HALF_OPEN)
        if self._probing:
            return False
        self._probing = True
        return True

    def record(self, failed: bool) -> None:
        if self._state == HALF_OPEN:
            self._probing = False
            if failed:
                self._open()
            else:
                self._window.clear()
                self._set(CLOSED)
            return
        self._window.append(failed)
        if (
            self._state == CLOSED
            and len(self._window) >= self._min_calls
            and sum(self._window) / len(self._window) >= self._failure_rate
        ):
            self._open()

    def release_probe(self) -> None:
        """A probe that ended without a verdict (the request's deadline, say)."""
        self._probing = False

    def _open(self) -> None:
        self._opened_at = time.monotonic()
        self._window.clear()
        self._set(OPEN)

    def _set(self, state: int) -> None:
        self._state = state
        metrics.BREAKER_STATE.labels(self._component).set(state)
