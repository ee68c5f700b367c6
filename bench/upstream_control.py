"""The demo upstreams' control API (`/__demo`, see `demo/__init__.py`) and the bench timings."""

from __future__ import annotations

import time
from typing import Any

import httpx

from bench.upstream_server import TIMINGS_PATH, Timing


class UpstreamControl:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._http = httpx.Client(base_url=base_url, timeout=30.0)

    def close(self) -> None:
        self._http.close()

    def reset(self) -> None:
        """Counters, call log, faults and latency back to their start-up state (none)."""
        self._http.post("/__demo/reset").raise_for_status()

    def latency(self, service: str, p50_ms: float, p99_ms: float | None = None) -> None:
        p99 = p50_ms if p99_ms is None else p99_ms
        body = {"service": service, "p50_ms": p50_ms, "p99_ms": p99}
        self._http.put("/__demo/latency", json=body).raise_for_status()

    def clear_latency(self) -> None:
        self._http.delete("/__demo/latency").raise_for_status()

    def fault(self, service: str, mode: str, **options: Any) -> None:
        body = {"service": service, "mode": mode, **options}
        self._http.put("/__demo/faults", json=body).raise_for_status()

    def clear_faults(self) -> None:
        self._http.delete("/__demo/faults").raise_for_status()

    def calls(self) -> dict[str, int]:
        """Calls per `"<service> <path template>"` since the last reset."""
        response = self._http.get("/__demo/stats", params={"limit": "0"})
        response.raise_for_status()
        calls: dict[str, int] = response.json()["calls"]
        return calls

    def settle(self, quiet_s: float = 0.3, timeout_s: float = 15.0) -> bool:
        """Wait until no new call arrives for `quiet_s`: the server under test has finished
        the requests a load generator abandoned at the end of its run. False on timeout."""
        deadline = time.monotonic() + timeout_s
        last = sum(self.calls().values())
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            total = sum(self.calls().values())
            if total != last:
                last, quiet_since = total, time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_s:
                return True
        return False

    def requests_seen(self) -> tuple[int, int]:
        """(distinct caller request ids, calls timed) since the last `fresh()`.

        Every server under test forwards its request id (the client's, or one it makes) on
        each upstream call, so the distinct ids count the requests it served, whichever
        server it is and whether or not its client waited for the answer.
        """
        timings = self.timings()
        return len({request_id for request_id, *_ in timings if request_id}), len(timings)

    def timings(self) -> list[Timing]:
        response = self._http.get(TIMINGS_PATH)
        response.raise_for_status()
        return [(str(r), str(c), float(s), float(ms)) for r, c, s, ms in response.json()["calls"]]

    def clear_timings(self) -> None:
        self._http.delete(TIMINGS_PATH).raise_for_status()

    def fresh(self) -> None:
        """Reset the demo state and the bench timings: the start of a measured run."""
        self.reset()
        self.clear_timings()
