"""`/readyz`: are the dependencies this process needs to serve reachable?"""

from __future__ import annotations

import asyncio

from app.settings import Settings

CHECK_TIMEOUT_S = 0.5


class Readiness:
    """Redis when configured. (Embedded demo upstreams are up before the server starts.)"""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._redis = None

    async def start(self) -> None:
        if self._settings.redis_url:
            from app.redis_client import connect

            self._redis = connect(self._settings.redis_url)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

    async def problems(self) -> list[str]:
        found: list[str] = []
        if self._redis is not None:
            try:
                async with asyncio.timeout(CHECK_TIMEOUT_S):
                    await self._redis.ping()
            except Exception:  # any failure means "not reachable"
                found.append("redis unreachable")
        return found
