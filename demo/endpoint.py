"""The raw ASGI wrapper around every service route: stats, latency, faults, auth, JSON.

Raw ASGI rather than Starlette's Request/Response because it is the hot path
of every benchmark, and because the ``reset`` fault needs uvicorn's own
``send`` (stashed in the scope by DemoApp) to reach the TCP transport.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import time
from typing import Any, Final
from urllib.parse import parse_qsl

import orjson
from starlette.types import Receive, Scope, Send

from demo.core import Call, Endpoint, Raw, ServiceError, error_body
from demo.faults import Fault
from demo.state import DemoState

RAW_SEND_KEY: Final = "demo.raw_send"
_JSON: Final = (b"content-type", b"application/json")
_HANG_SLICE_S: Final = 0.05
_UNAUTHORIZED: Final = error_body("unauthorized", "missing Authorization: Bearer <token>")

logger = logging.getLogger(__name__)


async def send_json(
    send: Send, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    raw_headers = [_JSON, (b"content-length", str(len(body)).encode())]
    if headers:
        raw_headers.extend((k.lower().encode(), v.encode()) for k, v in headers.items())
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def sleep_at_least(delay_s: float) -> None:
    """asyncio.sleep, topped up: uvloop's millisecond timers can wake a little early, and a
    configured latency is a promised minimum."""
    if delay_s <= 0:
        return
    deadline = time.monotonic() + delay_s
    await asyncio.sleep(delay_s)
    left = deadline - time.monotonic()
    if left > 0:
        await asyncio.sleep(left + 0.001)


def _authorized(headers: dict[str, str]) -> bool:
    value = headers.get("authorization", "")
    return value[:7].lower() == "bearer " and bool(value[7:].strip())


class ServiceEndpoint:
    """One (service, route); Starlette's Route treats instances as plain ASGI apps."""

    def __init__(self, state: DemoState, service: str, endpoint: Endpoint) -> None:
        self.state = state
        self.service = service
        self.endpoint = endpoint
        self.key = f"{service} {endpoint.template}"
        self._prefix_len = len(service) + 1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        query_string: bytes = scope["query_string"]
        query = (
            dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
            if query_string
            else {}
        )
        path = scope["path"][self._prefix_len:] or "/"
        method: str = scope["method"]
        entry = state.stats.record(self.key, self.service, method, path, query, headers)

        spec = state.latency.for_service(self.service)
        if spec is not None:
            await sleep_at_least(spec.sample_s())

        fault = state.faults.pick(self.service, self.endpoint.template, path)
        if fault is not None:
            entry["fault"] = fault.mode
            if fault.mode == "hang":
                await self._hang(fault)
            else:
                entry["status"] = await self._inject(fault, scope, send)
                return

        if not _authorized(headers):
            entry["status"] = 401
            await send_json(send, 401, _UNAUTHORIZED)
            return

        call = Call(method, path, query, headers, scope.get("path_params", {}), receive, state)
        extra: dict[str, str] | None = None
        try:
            result = await self.endpoint.handler(call)
        except ServiceError as exc:
            status, body, extra = exc.status, exc.body(), exc.headers
        else:
            if isinstance(result, Raw):
                status, body = result.status, result.body
            else:
                status, body = 200, orjson.dumps(result)
        entry["status"] = status
        await send_json(send, status, body, extra)

    async def _hang(self, fault: Fault) -> None:
        """Sleep ``hang_s``, ending early if faults are cleared (reset, DELETE, server stop)."""
        faults = self.state.faults
        epoch = faults.epoch
        deadline = time.monotonic() + fault.hang_s
        while faults.epoch == epoch:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(min(left, _HANG_SLICE_S))

    async def _inject(self, fault: Fault, scope: Scope, send: Send) -> int:
        """Answer with the fault; returns the status logged (0: no HTTP answer at all)."""
        if fault.mode == "status":
            headers = {}
            if fault.retry_after is not None:
                headers["retry-after"] = str(fault.retry_after)
            body = error_body(fault.error_code, f"injected fault: HTTP {fault.status}")
            await send_json(send, fault.status, body, headers)
            return fault.status
        if fault.mode == "invalid_json":
            truncated = f'{{"{self.endpoint.list_key}": [{{"id": "p0001", "title": "Sto'
            await send_json(send, 200, truncated.encode())
            return 200
        if fault.mode == "wrong_shape":
            await send_json(send, 200, orjson.dumps({self.endpoint.list_key: "wrong shape"}))
            return 200
        await reset_connection(scope, send)
        return 0


async def reset_connection(scope: Scope, send: Send) -> None:
    """Drop the TCP connection with an RST and no HTTP response at all."""
    raw_send: Any = scope.get(RAW_SEND_KEY)
    transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
    if transport is None:
        # Not under uvicorn: start a response and fail mid-way, which drops the connection.
        await send({"type": "http.response.start", "status": 200, "headers": [_JSON]})
        raise ConnectionAbortedError("demo fault: reset")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except (OSError, AttributeError, TypeError):
            logger.debug("could not set SO_LINGER; the connection closes with FIN")
    transport.abort()
    # Let connection_lost run, so uvicorn sees the disconnect and sends no 500.
    for _ in range(3):
        await asyncio.sleep(0)
