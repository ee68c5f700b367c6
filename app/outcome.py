"""What an executed operation gives the response, and how its field errors are shown.

Shaping is where the whitelist holds for errors, whichever executor ran: only
errors the BFF raised on purpose (`FieldError`) keep their message; anything
else is masked as INTERNAL_SERVER_ERROR and its details go to the log alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app import errors, metrics

log = logging.getLogger("bff.execution")

FALLBACK = {"status": "fallback", "source": "stale-cache"}
"""A component whose failure a stale entity-cache entry covered (HTTP.md): its data is
there, older than its TTL, and no error is reported for it."""


@dataclass(slots=True)
class Outcome:
    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    degraded: dict[str, dict[str, str]] = field(default_factory=dict)
    actual_cost: int = 0


def shape_error(
    original: BaseException | None,
    path: Sequence[str | int] | None,
    locations: Sequence[dict[str, int]] | None,
    request_id: str,
    degraded: dict[str, dict[str, str]],
    detail: str = "",
) -> dict[str, Any]:
    """One `errors[]` entry: the BFF's own errors as they are, anything else masked."""
    if isinstance(original, errors.FieldError):
        message = original.message
        extensions = original.extensions()
        if isinstance(original, errors.DependencyError):
            degraded.setdefault(original.component, {"status": "error", "reason": original.code})
    else:
        log.error(
            "unexpected error while executing",
            exc_info=(type(original), original, original.__traceback__) if original else None,
            extra={"request_id": request_id, "path": list(path) if path else None,
                   "error": detail if original is None else repr(original)},
        )
        message = "Internal server error."
        extensions = {"code": errors.INTERNAL_SERVER_ERROR}
    shaped: dict[str, Any] = {"message": message}
    if locations:
        shaped["locations"] = list(locations)
    if path:
        shaped["path"] = list(path)
    shaped["extensions"] = extensions
    return shaped


def count_degraded(outcome: Outcome) -> None:
    for component, state in outcome.degraded.items():
        metrics.DEGRADED.labels(component, state.get("reason", state["status"])).inc()
