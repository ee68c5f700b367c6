"""Opaque pagination cursors.

A cursor carries an offset and a checksum of what it paginates (the search
query, the product id), base64-encoded: clients cannot forge a plain number,
and a cursor replayed against another query is rejected like garbage.
"""

from __future__ import annotations

import base64
import binascii
import zlib


class InvalidCursor(ValueError):
    pass


def _check(kind: str, binding: str) -> str:
    return f"{zlib.crc32(f'{kind}|{binding}'.encode()):08x}"


def encode_cursor(kind: str, binding: str, offset: int) -> str:
    raw = f"{kind}:{offset}:{_check(kind, binding)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, binding: str, limit: int) -> int:
    """The offset in ``cursor``; InvalidCursor unless it was made for this kind and binding."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor(cursor) from exc
    parts = raw.split(":")
    if len(parts) != 3 or parts[0] != kind or parts[2] != _check(kind, binding):
        raise InvalidCursor(cursor)
    if not parts[1].isdigit() or not 0 <= int(parts[1]) <= limit:
        raise InvalidCursor(cursor)
    return int(parts[1])
