"""Everything mutable in one demo app, so /__demo/reset has one place to reset."""

from __future__ import annotations

from demo.cart_store import CartStore
from demo.faults import FaultTable
from demo.latency import LatencySpec, LatencyTable
from demo.stats import Stats


class DemoState:
    def __init__(self, startup_latency: dict[str, LatencySpec] | None = None) -> None:
        self.startup_latency = dict(startup_latency or {})
        self.stats = Stats()
        self.faults = FaultTable()
        self.latency = LatencyTable(self.startup_latency)
        self.carts = CartStore()

    def reset(self) -> None:
        """Back to start-up: no calls, no faults, start-up latency, initial carts."""
        self.stats.clear()
        self.faults.clear()
        self.latency.replace(self.startup_latency)
        self.carts.reset()
