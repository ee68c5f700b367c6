"""Call counters and a bounded call log, read by tests and benchmarks via /__demo/stats."""

from __future__ import annotations

from collections import deque
from typing import Any, Final

LOG_SIZE: Final = 10_000
LOGGED_HEADERS: Final = (
    "x-request-id",
    "traceparent",
    "x-request-timeout-ms",
    "authorization",
    "x-user-id",
    "idempotency-key",
)


class Stats:
    def __init__(self, log_size: int = LOG_SIZE) -> None:
        self.calls: dict[str, int] = {}
        self.log: deque[dict[str, Any]] = deque(maxlen=log_size)

    def record(
        self,
        key: str,
        service: str,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
    ) -> dict[str, Any]:
        """Count the call and log it; the caller fills in ``status`` (and ``fault``) later."""
        self.calls[key] = self.calls.get(key, 0) + 1
        ids = query.get("ids")
        entry: dict[str, Any] = {
            "service": service,
            "path": path,
            "template": key.partition(" ")[2],
            "method": method,
            "ids": None if ids is None else [i for i in ids.split(",") if i],
            "query": query,
            "headers": {h: headers[h] for h in LOGGED_HEADERS if h in headers},
            "status": None,
            "fault": None,
        }
        self.log.append(entry)
        return entry

    def snapshot(self, limit: int | None = None) -> dict[str, Any]:
        log = list(self.log)
        if limit is not None:
            log = log[-limit:] if limit > 0 else []
        return {"calls": dict(self.calls), "log": log}

    def clear(self) -> None:
        self.calls.clear()
        self.log.clear()
