"""DataLoader factories: the only two ways a request fetches, batched or de-duplicated.

Loaders are built per request (no cross-request memoisation); a loader's
cache only de-duplicates within that request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def batch_loader(
    fetch: Callable[[list[K]], Awaitable[dict[K, V]]], max_batch: int
) -> DataLoader:
    """Keys loaded in one wave go out in one call per `max_batch` keys; missing keys load None."""

    async def load_batch(keys: list[K]) -> list[V | None]:
        found = await fetch(list(keys))
        return [found.get(key) for key in keys]

    return DataLoader(load_batch, max_batch_size=max_batch)


def fanout_loader(fetch_one: Callable[[K], Awaitable[V]]) -> DataLoader:
    """For endpoints with no batch form: one call per distinct key, all concurrently.

    A failing key fails only its own loads.
    """

    async def load_each(keys: Sequence[K]) -> list[Any]:
        return list(await asyncio.gather(*(fetch_one(k) for k in keys), return_exceptions=True))

    return DataLoader(load_each)
