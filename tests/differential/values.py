"""The argument values generated queries use: ids the demo knows and ids it does not,
phrases its search finds (from its own word lists), postcodes; and how a value is
written as a GraphQL literal."""

from __future__ import annotations

import json
from typing import Any

from demo.words import ADJECTIVES, BRANDS, NOUNS

KNOWN_IDS = ("p0001", "p0002", "p0003", "p0004", "p0005", "p0007", "p0008", "p0010", "p0042",
             "p5000")
UNKNOWN_IDS = ("p9999", "p0000", "p5001", "nope", "P0001")
PHRASES = ("lamp", "shoe", "titanium", "running shoe", "desk lamp", "chair", "acme", "kettle",
           "zzzznotaword", "tent", *(noun.split()[-1].lower() for noun, _ in NOUNS[::5]),
           *(a.lower() for a in ADJECTIVES[::6]), *(b.split()[0].lower() for b in BRANDS[::4]))
POSTCODES = ("10115", "SW1A 1AA", "75001", "94103", "2000", "00000")


def literal(value: Any) -> str:
    """A JSON-able value as GraphQL literal text (JSON's string escapes are GraphQL's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)
