"""Full-text search over the demo catalog.

A token index is built once (lazily, ~0.1 s) and each query word matches the
tokens it is a prefix of, so "shoe" finds "Running Shoe" and "lamp" finds
"Floor Lamp" without a scan. Results are cached per normalised query.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import NamedTuple

from demo.data import PRODUCT_COUNT, get_product, product_id

_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class _Index(NamedTuple):
    anywhere: dict[str, frozenset[int]]  # token -> numbers (title, brand or description)
    in_title: dict[str, frozenset[int]]  # token -> numbers (title only), for ranking


@cache
def _index() -> _Index:
    anywhere: dict[str, set[int]] = {}
    in_title: dict[str, set[int]] = {}
    for n in range(1, PRODUCT_COUNT + 1):
        product = get_product(product_id(n))
        assert product is not None
        for token in tokens(product["title"]):
            in_title.setdefault(token, set()).add(n)
            anywhere.setdefault(token, set()).add(n)
        for token in tokens(f"{product['brand'] or ''} {product['description'] or ''}"):
            anywhere.setdefault(token, set()).add(n)
    return _Index(
        {t: frozenset(ns) for t, ns in anywhere.items()},
        {t: frozenset(ns) for t, ns in in_title.items()},
    )


def _matching(postings: dict[str, frozenset[int]], word: str) -> set[int]:
    found: set[int] = set()
    for token, numbers in postings.items():
        if token.startswith(word):
            found |= numbers
    return found


@lru_cache(maxsize=2048)
def _search(words: tuple[str, ...]) -> tuple[str, ...]:
    index = _index()
    hits = set.intersection(*(_matching(index.anywhere, w) for w in words))
    in_title = set.intersection(*(_matching(index.in_title, w) for w in words))
    ranked = sorted(hits, key=lambda n: (n not in in_title, n))
    return tuple(product_id(n) for n in ranked)


def search(query: str) -> tuple[str, ...]:
    """Ids of products matching every word of ``query``: title matches first, then by id."""
    words = tuple(sorted(set(tokens(query))))
    return _search(words) if words else ()


def query_key(query: str) -> str:
    """The normalised form cursors are bound to (word order and case do not matter)."""
    return " ".join(sorted(set(tokens(query))))
