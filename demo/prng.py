"""A small seeded PRNG for the demo data: 64-bit words from BLAKE2b(key + block counter).

Why not ``random.Random``: seeding one costs ~5 us (20,000 entities: 0.1 s on its own),
and the outputs of its ``randint``/``choice``/``sample`` may change between Python
versions. This one seeds in well under a microsecond, a draw costs ~0.2 us (one C hash
call per eight words), and its outputs are defined here, the same on every platform.
"""

from __future__ import annotations

import hashlib
import math
import struct
from bisect import bisect
from collections.abc import Sequence
from typing import Final, TypeVar

T = TypeVar("T")

_WORDS: Final = struct.Struct("<8Q").unpack
_TWO_PI: Final = 2 * math.pi
_UNIT: Final = 1.0 / (1 << 53)


class Rng:
    __slots__ = ("_block", "_key", "_words")

    def __init__(self, key: str) -> None:
        self._key = key.encode()
        self._block = 0
        self._words: list[int] = []

    def next64(self) -> int:
        words = self._words
        if not words:
            self._block += 1
            block = self._key + self._block.to_bytes(4, "little")
            words.extend(_WORDS(hashlib.blake2b(block, digest_size=64).digest()))
        return words.pop()

    def random(self) -> float:
        """Uniform in [0, 1)."""
        return (self.next64() >> 11) * _UNIT

    def randint(self, low: int, high: int) -> int:
        """Uniform in low..high inclusive (modulo bias is below 2**-40 for demo ranges)."""
        return low + self.next64() % (high - low + 1)

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def choice(self, items: Sequence[T]) -> T:
        return items[self.next64() % len(items)]

    def weighted(self, items: Sequence[T], cum_weights: Sequence[float]) -> T:
        return items[bisect(cum_weights, self.random() * cum_weights[-1])]

    def gauss(self, mu: float, sigma: float) -> float:
        radius = math.sqrt(-2.0 * math.log(1.0 - self.random()))
        return mu + sigma * radius * math.cos(_TWO_PI * self.random())

    def expovariate(self, rate: float) -> float:
        return -math.log(1.0 - self.random()) / rate

    def hex(self, digits: int) -> str:
        return f"{self.next64() & ((1 << (4 * digits)) - 1):0{digits}x}"

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """k distinct elements in random order (k <= len(items))."""
        n = len(items)
        if k > n:
            raise ValueError("sample larger than population")
        if k * 4 < n:
            chosen: dict[int, None] = {}
            while len(chosen) < k:
                chosen[self.next64() % n] = None
            return [items[i] for i in chosen]
        pool = list(items)
        for i in range(k):
            j = i + self.next64() % (n - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]
