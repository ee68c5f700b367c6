"""`/readyz`: are the dependencies this process needs to serve reachable?"""

from __future__ import annotations

import asyncio
from typing import Any

CHECK_TIMEOUT_S = 0.5


class Readiness:
    """Redis when configured. (Embedded demo upstreams are up before the server starts.)"""

    def __init__(self, redis: Any | None) -> None:
        self._redis = redis

    async def problems(self) -> list[str]:
        found: list[str] = []
        if self._redis is not None:
            try:
                async with asyncio.timeout(CHECK_TIMEOUT_S):
                    await self._redis.ping()
            except Exception:  # any failure means "not reachable"
                found.append("redis unreachable")
        return found
