"""Reading a `multipart/mixed` (deferSpec=20220824) answer part by part, as a client does, and
merging its parts the way Apollo Client does."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx

_BOUNDARY = re.compile(r';\s*boundary="?([^";]+)"?')


class Parts:
    """The parts of a streamed response, each returned as soon as it has fully arrived."""

    def __init__(self, response: httpx.Response) -> None:
        content_type = response.headers["content-type"]
        assert content_type.startswith("multipart/mixed"), content_type
        assert "deferSpec=20220824" in content_type, content_type
        found = _BOUNDARY.search(content_type)
        assert found is not None, content_type
        self._delimiter = b"\r\n--" + found.group(1).encode()
        self._chunks: Iterator[bytes] = response.iter_raw()
        self._buffer = b""

    def next(self) -> dict[str, Any]:
        """The next part (blocking until it is complete: its closing delimiter arrived)."""
        size = len(self._delimiter)
        while True:
            start = self._buffer.find(self._delimiter)
            assert start in (-1, 0), f"bytes outside a part: {self._buffer[:start]!r}"
            end = self._buffer.find(self._delimiter, size) if start == 0 else -1
            if end > 0:
                part, self._buffer = self._buffer[size:end], self._buffer[end:]
                headers, _, body = part.partition(b"\r\n\r\n")
                assert b"content-type: application/json" in headers.lower(), headers
                payload: dict[str, Any] = json.loads(body)
                return payload
            self._buffer += next(self._chunks)

    def rest(self) -> list[dict[str, Any]]:
        """Every part left, up to the one saying `hasNext: false`, and the closing delimiter."""
        parts = []
        while True:
            parts.append(self.next())
            if not parts[-1]["hasNext"]:
                break
        for chunk in self._chunks:
            self._buffer += chunk
        assert self._buffer == self._delimiter + b"--\r\n", self._buffer
        return parts


def merged(initial: dict[str, Any], subsequent: list[dict[str, Any]]) -> dict[str, Any]:
    """The response a client assembles: data merged at each path, errors appended, the last
    part's extensions."""
    data = initial["data"]
    errors = list(initial.get("errors", ()))
    extensions: dict[str, Any] = {}
    for part in subsequent:
        for entry in part.get("incremental", ()):
            target = data
            for key in entry["path"]:
                target = target[key]
            if entry["data"] is not None:
                _merge(target, entry["data"])
            errors.extend(entry.get("errors", ()))
        errors.extend(part.get("errors", ()))
        extensions.update(part.get("extensions", {}))
    result: dict[str, Any] = {"data": data, "extensions": extensions}
    if errors:
        result["errors"] = errors
    return result


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        present = target.get(key)
        if isinstance(present, dict) and isinstance(value, dict):
            _merge(present, value)
        elif isinstance(present, list) and isinstance(value, list):
            for before, after in zip(present, value, strict=True):
                _merge(before, after)
        else:
            target[key] = value
