"""The contract's operations with the variables real clients send.

Chosen to cover the demo's pinned cases (README, "The demo upstreams"):
products on sale, out of stock, limited, without a price (null with an
error), without images or brand, an unknown id; searches with many
results, few, none, and an invalid cursor; the home screen at its default
and its bounds. The mutations are in test_mutations.py (they change carts).
"""

from __future__ import annotations

from typing import Any

from tests.differential.extract_corpus import contract

SEARCHES: tuple[dict[str, Any], ...] = (
    {"query": "lamp", "first": 5},
    {"query": "shoe"},
    {"query": "running shoe", "first": 50},
    {"query": "titanium", "first": 3},
    {"query": "acme chair", "first": 7},
    {"query": "zzzznotaword", "first": 20},
    {"query": "lamp", "first": 2, "after": "bogus!"},
    {"query": "kettle", "first": 2},
)

PRODUCT_PAGES: tuple[dict[str, Any], ...] = tuple(
    {"id": pid, "postcode": postcode}
    for pid, postcode in (
        ("p0001", "10115"), ("p0002", "SW1A 1AA"), ("p0003", "75001"), ("p0004", "10115"),
        ("p0005", "94103"), ("p0007", "10115"), ("p0008", "2000"), ("p0042", "10115"),
        ("p5000", "10115"), ("p9999", "10115"), ("p0010", ""),
    )
)

HOME_SCREENS: tuple[dict[str, Any] | None, ...] = (None, {"recoCount": 1}, {"recoCount": 24})

READS: tuple[tuple[str, dict[str, Any] | None], ...] = (
    *((contract("SearchResults"), v) for v in SEARCHES),
    *((contract("ProductPage"), v) for v in PRODUCT_PAGES),
    *((contract("HomeScreen"), v) for v in HOME_SCREENS),
    (contract("CartView"), None),
)
"""Every contract query with its variables, sent anonymous and signed in."""
