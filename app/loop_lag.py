"""`bff_event_loop_lag_seconds`: how late the event loop wakes a task that asked to sleep.

When it grows, the process (CPU, a blocking call, GC) is the bottleneck, not an upstream.
Sampled by one background task per process, off the request path.
"""

from __future__ import annotations

import asyncio

from app import metrics

INTERVAL_S = 0.5


async def watch(interval_s: float = INTERVAL_S) -> None:
    """Sleep `interval_s`, observe how much later than that the loop woke us; forever."""
    loop = asyncio.get_running_loop()
    while True:
        asked = loop.time()
        await asyncio.sleep(interval_s)
        metrics.EVENT_LOOP_LAG.observe(max(0.0, loop.time() - asked - interval_s))
