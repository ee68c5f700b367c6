"""Relay cursors over upstream page cursors.

Upstreams give one opaque cursor per page; clients need one per edge. An
edge's cursor records the upstream cursor of its page and its index there,
and the last edge of a page records the page's `nextCursor`, so the usual
"next page" request costs exactly one upstream call.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import orjson

from app.errors import UserInputError

T = TypeVar("T")

FetchPage = Callable[[str | None, int], Awaitable[tuple[list[T], str | None]]]


@dataclass(slots=True)
class Page(Generic[T]):
    edges: list[tuple[str, T]]
    has_next_page: bool


def encode_cursor(page_cursor: str | None, index: int, next_cursor: str | None) -> str:
    raw = orjson.dumps([page_cursor, index, next_cursor])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(after: str) -> tuple[str | None, int]:
    """Where to continue: (upstream cursor, items of that page to skip)."""
    try:
        raw = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4))
        page_cursor, index, next_cursor = orjson.loads(raw)
    except (ValueError, binascii.Error, TypeError, orjson.JSONDecodeError):
        raise UserInputError("The `after` cursor is not valid.") from None
    if not (
        (page_cursor is None or isinstance(page_cursor, str))
        and isinstance(index, int)
        and 0 <= index < 1000
        and (next_cursor is None or isinstance(next_cursor, str))
    ):
        raise UserInputError("The `after` cursor is not valid.")
    if next_cursor is not None:
        return next_cursor, 0
    return page_cursor, index + 1


async def paginate(
    fetch: FetchPage[T], first: int, after: str | None, max_limit: int
) -> Page[T]:
    """Collect `first` items after `after`, following upstream pages as needed."""
    cursor, skip = decode_cursor(after) if after else (None, 0)
    edges: list[tuple[str, T]] = []
    has_next = False
    for _ in range(4):
        items, next_cursor = await fetch(cursor, min(max_limit, skip + first - len(edges)))
        last = len(items) - 1
        for index, item in enumerate(items):
            if index < skip:
                continue
            if len(edges) == first:
                has_next = True
                break
            edges.append(
                (encode_cursor(cursor, index, next_cursor if index == last else None), item)
            )
        if len(edges) == first or next_cursor is None or not items:
            has_next = has_next or next_cursor is not None
            break
        cursor, skip = next_cursor, 0
    return Page(edges, has_next)
