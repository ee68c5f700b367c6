"""The critical path of one request: its slowest chain of dependent upstream calls.

One dependency graph per operation, over calls named `"<service> /<path>"`: what
each call truly needs before it can be sent (pricing needs only product ids, which
the search already returned), whatever order the BFF happens to issue them in. Its
longest path is the least time any composition of these services can take.

Each call's duration is the service time measured inside the upstream process
(injected latency plus handler), never the BFF's own view of it, so the BFF's
HTTP client, its scheduling and its CPU all count as BFF overhead.
A call kind seen more than once in a request counts at its slowest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

Graph = Mapping[str, tuple[str, ...]]

_PRODUCT_PARTS: Final = ("pricing /prices", "inventory /stock", "reviews /summaries")

GRAPHS: Final[dict[str, Graph]] = {
    "SearchResults": {
        "catalog /search": (),
        "catalog /products": ("catalog /search",),
        **{part: ("catalog /search",) for part in _PRODUCT_PARTS},
    },
    "HomeScreen": {
        "users /users": (),
        "orders /orders": (),
        "cart /carts": (),
        "promotions /promotions": ("users /users",),
        "recommendations /recommendations": (),
        "catalog /products": ("recommendations /recommendations",),
        **{part: ("recommendations /recommendations",) for part in _PRODUCT_PARTS},
    },
}
"""Per operation: call -> the calls whose answers it needs (by data, not by the BFF's order)."""


def longest_path_ms(graph: Graph, durations: Mapping[str, float]) -> float:
    """Longest path through the calls present; absent calls take no time."""
    finish: dict[str, float] = {}

    def done(call: str, depth: int = 0) -> float:
        if call in finish:
            return finish[call]
        if depth > len(graph):
            raise ValueError(f"dependency cycle through {call}")
        parents = graph.get(call, ())
        start = max((done(p, depth + 1) for p in parents), default=0.0)
        finish[call] = start + durations.get(call, 0.0)
        return finish[call]

    calls = set(graph) | set(durations)
    return max((done(call) for call in calls), default=0.0)


def per_request_durations(
    timings: Iterable[tuple[str, str, float, float]],
) -> dict[str, dict[str, float]]:
    """request id -> {call: slowest service time (ms)}."""
    out: dict[str, dict[str, float]] = {}
    for request_id, call, _start, service_ms in timings:
        if not request_id:
            continue
        calls = out.setdefault(request_id, {})
        if service_ms > calls.get(call, -1.0):
            calls[call] = service_ms
    return out


def unknown_calls(graph: Graph, durations: Mapping[str, float]) -> set[str]:
    """Calls a request made that the graph does not know (they count as roots)."""
    return set(durations) - set(graph)
