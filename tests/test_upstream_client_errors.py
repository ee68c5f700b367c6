"""HTTP.md's failure table at the upstream client, over its own exchange, against real
servers on 127.0.0.1: which code each failure gets, that it is counted and traced once,
and that no host or URL reaches the error a client sees. Retries are off here, so each
failure is one call (tests/test_retries.py has them on)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app import errors
from app.deadline import Deadline
from app.settings import SERVICES, load_settings
from app.tracing import Tracing
from app.upstream import CallScope, UpstreamClient
from tests.scripted_http import Reply, ScriptedServer, Seen, answer


def _client(url: str, **catalog: Any) -> UpstreamClient:
    environ = {f"BFF_UPSTREAM_{s.upper()}_URL": f"{url}/{s}" for s in SERVICES}
    return UpstreamClient(load_settings(environ, breaker_min_calls=100_000, retries="off",
                                        upstreams={"catalog": catalog}))


def _scope(budget_ms: float = 5000) -> CallScope:
    return CallScope("errors-test", Deadline(budget_ms), Tracing().background())


async def _failure(client: UpstreamClient, scope: CallScope) -> errors.DependencyError:
    with pytest.raises(errors.DependencyError) as raised:
        await client.send("catalog", "GET", "/products", scope, params={"ids": "p1"},
                          ids=["p1"])
    error = raised.value
    shown = f"{error.message} {error.extensions()}"
    assert "127.0.0.1" not in shown and "http" not in shown and "/products" not in shown
    return error


@pytest.fixture
async def closed_port() -> AsyncIterator[str]:
    with ScriptedServer(lambda seen: answer()) as server:
        url = server.url
    yield url


async def test_connection_refused_is_unavailable(
    closed_port: str, caplog: pytest.LogCaptureFixture
) -> None:
    client, scope = _client(closed_port), _scope()
    try:
        with caplog.at_level(logging.WARNING, logger="bff.upstream"):
            error = await _failure(client, scope)
    finally:
        await client.aclose()
    assert (error.code, error.retryable) == (errors.DEPENDENCY_UNAVAILABLE, True)
    assert [(c.component, c.outcome) for c in scope.calls] == [
        ("catalog", errors.DEPENDENCY_UNAVAILABLE)]
    logged = [r for r in caplog.records if r.getMessage() == "upstream call failed"]
    assert logged and all(getattr(r, "detail", "") == "ConnectionRefusedError" for r in logged)
    assert all(getattr(r, "request_id", None) == scope.request_id for r in logged)


@pytest.mark.parametrize(("reply", "code"), [
    (Reply(b"", "reset"), errors.DEPENDENCY_UNAVAILABLE),
    (Reply(b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{", "reset"),
     errors.DEPENDENCY_UNAVAILABLE),
    (Reply(b"SMTP ready\r\n\r\n"), errors.DEPENDENCY_UNAVAILABLE),
    (answer(b'{"error": "x"}', status="429 Too Many Requests"), errors.DEPENDENCY_UNAVAILABLE),
    (answer(b'{"error": "x"}', status="502 Bad Gateway"), errors.DEPENDENCY_UNAVAILABLE),
    (answer(b'{"error": "x"}', status="503 Service Unavailable"),
     errors.DEPENDENCY_UNAVAILABLE),
    (answer(b'{"error": "x"}', status="504 Gateway Timeout"), errors.DEPENDENCY_UNAVAILABLE),
    (answer(b'{"error": "x"}', status="500 Internal Server Error"), errors.DEPENDENCY_ERROR),
    (answer(b'{"error": "x"}', status="404 Not Found"), errors.DEPENDENCY_ERROR),
    (answer(b"", status="302 Found", headers=("location: /elsewhere",)),
     errors.DEPENDENCY_ERROR),  # redirects are not followed
])
async def test_failures_get_their_code_and_one_call_each(reply: Reply, code: str) -> None:
    with ScriptedServer(lambda seen: reply) as server:
        client, scope = _client(server.url), _scope()
        try:
            error = await _failure(client, scope)
        finally:
            await client.aclose()
    assert error.code == code
    assert [c.outcome for c in scope.calls] == [code]
    assert len(server.requests) == 1


@pytest.mark.parametrize(("service_timeout_ms", "budget_ms", "code"), [
    (50, 5000, errors.DEPENDENCY_TIMEOUT),  # the service's own timeout fired
    (800, 60, errors.DEADLINE_EXCEEDED),  # the request's budget ran out first
])
async def test_a_hanging_service_times_out_with_the_right_code(
    service_timeout_ms: int, budget_ms: int, code: str
) -> None:
    with ScriptedServer(lambda seen: Reply(then="hang")) as server:
        client, scope = _client(server.url, timeout_ms=service_timeout_ms), _scope(budget_ms)
        try:
            error = await _failure(client, scope)
        finally:
            await client.aclose()
    assert error.code == code
    assert [c.outcome for c in scope.calls] == [code]


async def test_a_stale_connection_retry_is_one_call() -> None:
    def handler(seen: Seen) -> Reply:
        on_connection = [r for r in server.requests if r.connection == seen.connection]
        return answer(b'{"products": []}') if len(on_connection) == 1 else Reply(b"", "close")

    with ScriptedServer(handler) as server:
        client, scope = _client(server.url), _scope()
        try:
            for _ in range(2):
                response = await client.send("catalog", "GET", "/products", scope,
                                             params={"ids": "p1"})
                assert (response.status, response.content) == (200, b'{"products": []}')
        finally:
            await client.aclose()
    assert [c.outcome for c in scope.calls] == ["ok", "ok"]
    assert [r.connection for r in server.requests] == [1, 1, 2]
    assert server.requests[0].target == "/catalog/products?ids=p1"
