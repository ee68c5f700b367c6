"""`bff serve --workers N`: uvicorn's supervisor, plus the metrics of workers that exit.

With several workers, metrics live in prometheus_client's multiprocess files
(`PROMETHEUS_MULTIPROC_DIR`), one set per worker PID. Counters of a worker
that exits must stay (what it counted happened), but its live gauges
(`bff_in_flight_requests`, `bff_circuit_breaker_state`) must not: a worker
killed mid-request would otherwise report its requests in flight, or its
breaker open, for ever. The supervisor is the one process that sees every
worker exit, however it exits (crash, SIGKILL, replaced on SIGHUP, fewer on
SIGTTOU), so after each of its rounds it marks the PIDs no longer among its
workers dead (`mark_process_dead`, the hook gunicorn's `child_exit` calls).
"""

from __future__ import annotations

import logging
import os

from prometheus_client.multiprocess import mark_process_dead
from uvicorn.supervisors import Multiprocess

# Not imported from app.metrics: importing it here would give the supervisor, which
# serves nothing, metric files of its own.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

log = logging.getLogger("bff.workers")


class Supervisor(Multiprocess):
    """uvicorn's `Multiprocess` (restarts workers that die), marking exited ones dead."""

    def init_processes(self) -> None:
        super().init_processes()
        self._known: set[int] = self._current()

    def handle_signals(self) -> None:
        super().handle_signals()
        self._sweep()

    def keep_subprocess_alive(self) -> None:
        super().keep_subprocess_alive()
        self._sweep()

    def join_all(self) -> None:
        super().join_all()
        for pid in self._known:
            _mark_dead(pid)
        self._known = set()

    def _current(self) -> set[int]:
        return {process.pid for process in self.processes if process.pid is not None}

    def _sweep(self) -> None:
        current = self._current()
        for pid in self._known - current:
            _mark_dead(pid)
        self._known = current


def _mark_dead(pid: int) -> None:
    if not os.environ.get(MULTIPROCESS_DIR):
        return
    try:
        mark_process_dead(pid)
    except OSError as exc:  # the files went already (the directory removed): nothing lingers
        log.debug("could not mark worker %s dead: %s", pid, exc)
    else:
        log.info("worker %s exited: its live gauges dropped", pid)
