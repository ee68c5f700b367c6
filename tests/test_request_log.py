"""The one log line per `/graphql` request: readable in development, coded in JSON."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import orjson
import pytest

from app import logs
from tests.servers import Client, Demo

RFC3339_UTC_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == logs.REQUEST_LINE:
            self.records.append(record)


@pytest.fixture
def request_lines() -> Iterator[list[logging.LogRecord]]:
    """The request lines logged while the test runs (the server shares this process)."""
    logger = logging.getLogger(logs.REQUEST_LOGGER)
    handler, level = _Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _json(record: logging.LogRecord) -> dict[str, object]:
    entry: dict[str, object] = orjson.loads(logs.JsonFormatter().format(record))
    return entry


def test_console_line_says_method_operation_status_duration_and_cache(
    client: Client, request_lines: list[logging.LogRecord]
) -> None:
    client.data('{ product(id: "p0001") { title } }')
    (record,) = request_lines
    line = logs.ConsoleFormatter().format(record)
    assert re.fullmatch(r"POST anonymous 200 \d+(\.\d+)? ms", line), line


def test_console_line_names_degraded_components_and_codes(
    client: Client, demo: Demo, request_lines: list[logging.LogRecord]
) -> None:
    demo.fault("reviews", "status", status=503)
    try:
        body = client.post('{ product(id: "p0001") { title rating { average } } }').json()
    finally:
        demo.clear_faults()
    assert body["data"]["product"]["title"]
    (record,) = request_lines
    line = logs.ConsoleFormatter().format(record)
    assert " degraded=reviews" in line
    assert "errors=DEPENDENCY_" in line
    assert line.startswith("POST anonymous 200 ")


def test_json_line_has_a_utc_millisecond_timestamp_and_the_refusal_code(
    client: Client, request_lines: list[logging.LogRecord]
) -> None:
    client.post("{ product(id: 1) { nope } }")
    client.post("{ viewer { id } }", headers={"authorization": "Bearer not-a-token"})
    invalid, unauthenticated = (_json(record) for record in request_lines)
    assert invalid["errors"] == ["GRAPHQL_VALIDATION_FAILED"]
    assert invalid["method"] == "POST"
    assert isinstance(invalid["ts"], str) and RFC3339_UTC_MS.match(invalid["ts"])
    assert unauthenticated["errors"] == ["UNAUTHENTICATED"]
    assert unauthenticated["status"] == 401


def test_json_line_of_a_clean_answer_has_no_codes(
    client: Client, request_lines: list[logging.LogRecord]
) -> None:
    client.data('{ product(id: "p0001") { id } }')
    (entry,) = (_json(record) for record in request_lines)
    assert entry["errors"] == []
    assert entry["status"] == 200
    assert entry["request_id"]
