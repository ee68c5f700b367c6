"""Injected faults: per service (and optionally per path), chosen per call with a probability."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

from demo.core import SERVICES, chaos

MODES: Final = ("hang", "status", "reset", "invalid_json", "wrong_shape")

_STATUS_CODES: Final = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    409: "conflict", 422: "unprocessable", 429: "rate_limited", 500: "internal_error",
    502: "bad_gateway", 503: "service_unavailable", 504: "gateway_timeout",
}


@dataclass(frozen=True, slots=True)
class Fault:
    service: str
    path: str | None
    mode: str
    status: int = 503
    retry_after: int | None = None
    rate: float = 1.0
    hang_s: float = 30.0
    times: int | None = None
    """Fire on the next `times` matching calls only, then retire (None: until cleared)."""

    @property
    def error_code(self) -> str:
        return _STATUS_CODES.get(self.status, "injected_fault")

    def to_json(self) -> dict[str, Any]:
        """The PUT body's spelling, so a listed fault can be sent back as is."""
        data = asdict(self)
        data["retryAfter"] = data.pop("retry_after")
        return data


def parse_fault(spec: Any) -> Fault:
    """Validate a PUT /__demo/faults body; ValueError says what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("body must be a JSON object")
    service = spec.get("service")
    if service not in SERVICES:
        raise ValueError(f"service must be one of {', '.join(SERVICES)}")
    mode = spec.get("mode")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    path = spec.get("path")
    if path is not None:
        if not isinstance(path, str) or not path.strip("/"):
            raise ValueError("path must be a non-empty string such as /summaries")
        path = "/" + path.strip("/")
    status = spec.get("status", 503)
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        raise ValueError("status must be an integer 400..599")
    retry_after = spec.get("retryAfter")
    if retry_after is not None and (
        not isinstance(retry_after, int | float) or isinstance(retry_after, bool) or retry_after < 0
    ):
        raise ValueError("retryAfter must be a number of seconds >= 0")
    rate = spec.get("rate", 1.0)
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1:
        raise ValueError("rate must be a number 0..1")
    hang_s = spec.get("hang_s", 30.0)
    if not isinstance(hang_s, int | float) or isinstance(hang_s, bool) or hang_s < 0:
        raise ValueError("hang_s must be a number >= 0")
    times = spec.get("times")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise ValueError("times must be an integer >= 1")
    return Fault(
        service=service,
        path=path,
        mode=mode,
        status=status,
        retry_after=None if retry_after is None else round(retry_after),
        rate=float(rate),
        hang_s=float(hang_s),
        times=times,
    )


class FaultTable:
    def __init__(self) -> None:
        self._faults: dict[tuple[str, str | None], Fault] = {}
        self._left: dict[tuple[str, str | None], int] = {}  # firings left, for `times`
        # Bumped whenever faults are cleared: hanging calls watch it and end early.
        self.epoch = 0

    def put(self, fault: Fault) -> None:
        key = (fault.service, fault.path)
        self._faults[key] = fault
        if fault.times is None:
            self._left.pop(key, None)
        else:
            self._left[key] = fault.times

    def clear(self) -> None:
        self._faults.clear()
        self._left.clear()
        self.epoch += 1

    def release_hangs(self) -> None:
        """End every hanging call now (server shutdown) without touching the faults."""
        self.epoch += 1

    def active(self) -> list[Fault]:
        return list(self._faults.values())

    def pick(self, service: str, template: str, path: str) -> Fault | None:
        """The fault to inject on this call, if any (most specific path first, then its rate)."""
        if not self._faults:
            return None
        faults = self._faults
        fault = (
            faults.get((service, template))
            or faults.get((service, path))
            or faults.get((service, None))
        )
        if fault is None or (fault.rate < 1.0 and chaos.random() >= fault.rate):
            return None
        key = (fault.service, fault.path)
        left = self._left.get(key)
        if left is not None:  # a fault for the next N calls: this is one of them
            if left <= 1:
                del self._faults[key], self._left[key]
            else:
                self._left[key] = left - 1
        return fault
