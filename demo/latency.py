"""Simulated service latency: a fixed delay, or log-normal with a given median and p99."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from demo.core import SERVICES, chaos

_Z99: Final = 2.3263478740408408  # standard normal 99th percentile
ALL: Final = "*"


@dataclass(frozen=True, slots=True)
class LatencySpec:
    p50_ms: float
    p99_ms: float

    def sample_s(self) -> float:
        """One delay in seconds. Capped at 5x p99 so a single draw cannot stall a test."""
        p50, p99 = self.p50_ms, self.p99_ms
        if p99 <= p50:
            return p50 / 1000
        if p50 <= 0:
            # Median zero: half the calls are instant, the rest exponential with the p99 asked.
            if chaos.random() < 0.5:
                return 0.0
            delay = chaos.expovariate(math.log(50) / p99)
        else:
            sigma = (math.log(p99) - math.log(p50)) / _Z99
            delay = chaos.lognormvariate(math.log(p50), sigma)
        return min(delay, 5 * p99) / 1000


def parse_latency(spec: Any) -> tuple[str, LatencySpec]:
    """Validate a PUT /__demo/latency body; ValueError says what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("body must be a JSON object")
    service = spec.get("service")
    if service != ALL and service not in SERVICES:
        raise ValueError(f"service must be '*' or one of {', '.join(SERVICES)}")
    p50 = spec.get("p50_ms")
    p99 = spec.get("p99_ms", p50)
    return service, make_spec(p50, p99)


def make_spec(p50: Any, p99: Any) -> LatencySpec:
    for name, value in (("p50_ms", p50), ("p99_ms", p99)):
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a number of milliseconds >= 0")
    if p99 < p50:
        raise ValueError("p99_ms must be >= p50_ms")
    return LatencySpec(float(p50), float(p99))


class LatencyTable:
    def __init__(self, initial: dict[str, LatencySpec] | None = None) -> None:
        self._specs: dict[str, LatencySpec] = dict(initial or {})

    def put(self, service: str, spec: LatencySpec) -> None:
        self._specs[service] = spec

    def replace(self, specs: dict[str, LatencySpec]) -> None:
        self._specs = dict(specs)

    def clear(self) -> None:
        self._specs.clear()

    def for_service(self, service: str) -> LatencySpec | None:
        """The service's own setting wins over the '*' one."""
        if not self._specs:
            return None
        return self._specs.get(service) or self._specs.get(ALL)

    def to_json(self) -> dict[str, dict[str, float]]:
        return {s: {"p50_ms": v.p50_ms, "p99_ms": v.p99_ms} for s, v in self._specs.items()}


def latency_specs(latency: dict[str, tuple[float, float]] | None) -> dict[str, LatencySpec]:
    """The ``create_demo_app(latency=...)`` form, validated: {"reviews": (20, 120), "*": (5, 5)}."""
    specs: dict[str, LatencySpec] = {}
    for service, (p50, p99) in (latency or {}).items():
        if service != ALL and service not in SERVICES:
            raise ValueError(f"unknown service in latency config: {service!r}")
        specs[service] = make_spec(p50, p99)
    return specs


def parse_latency_arg(text: str) -> dict[str, tuple[float, float]]:
    """A CLI flag value such as ``"*=5:40,reviews=20:120,cart=50"`` (P50[:P99] in ms)."""
    latency: dict[str, tuple[float, float]] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        service, sep, values = item.partition("=")
        p50_text, _, p99_text = values.partition(":")
        try:
            p50 = float(p50_text)
            p99 = float(p99_text) if p99_text else p50
        except ValueError:
            raise ValueError(f"bad latency {item!r}: expected SERVICE=P50_MS[:P99_MS]") from None
        if not sep or not service.strip():
            raise ValueError(f"bad latency {item!r}: expected SERVICE=P50_MS[:P99_MS]")
        latency[service.strip()] = (p50, p99)
    latency_specs(latency)  # validates names and ranges
    return latency
