"""Logging: one JSON object per line in production, readable lines in development."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def timestamp(created: float) -> str:
    """RFC 3339 in UTC, to the millisecond: `2026-12-06T07:45:01.123Z`."""
    seconds = int(created)
    return (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
            + f".{int((created - seconds) * 1000):03d}Z")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    """For a developer's terminal: one short line per `/graphql` request, the rest as
    `level logger: message key=value ...`."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == REQUEST_LOGGER and record.msg == REQUEST_LINE:
            return _request_line(record)
        extra = " ".join(
            f"{k}={v}" for k, v in record.__dict__.items() if k not in _STANDARD and v is not None
        )
        line = f"{record.levelname.lower():7} {record.name}: {record.getMessage()} {extra}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line.rstrip()


REQUEST_LOGGER = "bff.request"
REQUEST_LINE = "graphql request"
"""The message of the one line logged per `/graphql` request (`app.graphql_http.endpoint`)."""


def _request_line(record: logging.LogRecord) -> str:
    """`POST SearchResults 200 12.3 ms degraded=reviews cache=HIT errors=...`"""
    fields = record.__dict__
    line = (f"{fields.get('method') or '-'} {fields.get('operation') or '-'} "
            f"{fields.get('status', '-')} {fields.get('duration_ms', '-')} ms")
    if fields.get("degraded"):
        line += " degraded=" + ",".join(fields["degraded"])
    if fields.get("cache"):
        line += f" cache={fields['cache']}"
    if fields.get("errors"):
        line += " errors=" + ",".join(fields["errors"])
    return line


def configure(log_format: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every call with its URL at INFO; upstream hosts stay out of normal logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)

