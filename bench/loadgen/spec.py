"""What a load run is asked to do, and what it reports (the same for every generator)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class LoadSpec:
    """Closed-loop load: `connections` clients, each sending its next request on the answer.

    `bodies` are cycled request by request (one body: every request the same).
    `request_ids`: each request carries a unique `X-Request-Id` and the result keeps one
    record per request (python generator only).
    `check_bodies`: count answers carrying GraphQL errors (wrk: in a Lua `response()`).
    """

    url: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)
    connections: int = 16
    duration_s: float = 10.0
    timeout_s: float = 10.0
    request_ids: bool = False
    check_bodies: bool = True
    id_prefix: str = "b"
    """Request ids are `<prefix><client>x<seq>`; the runner makes the prefix unique per run."""
    """Count answers whose body carries GraphQL `"errors"` (off for the bare endpoint)."""

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 80

    @property
    def target(self) -> str:
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["bodies"] = [b.decode("utf-8", "replace") for b in self.bodies]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadSpec:
        data = dict(data)
        data["bodies"] = [b.encode() for b in data.get("bodies", [])]
        return cls(**data)


@dataclass
class LoadResult:
    generator: str
    requests: int
    duration_s: float
    latency_ms: dict[str, float]
    failures: dict[str, int]
    status_counts: dict[str, int] = field(default_factory=dict)
    graphql_error_responses: int | None = None
    records: list[tuple[str, float, int]] = field(default_factory=list)
    """(request id, latency ms, HTTP status) per request, when asked for."""

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def summary(self) -> dict[str, Any]:
        """The JSON form without per-request records."""
        return {
            "generator": self.generator,
            "requests": self.requests,
            "duration_s": round(self.duration_s, 3),
            "rps": round(self.rps, 1),
            "latency_ms": {k: round(v, 3) for k, v in self.latency_ms.items()},
            "failures": self.failures,
            "failed": self.failed,
            "status_counts": self.status_counts,
            "graphql_error_responses": self.graphql_error_responses,
        }
