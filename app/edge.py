"""The HTTP edge as an ASGI layer around every route: header size limit, request id.

uvicorn's httptools parser sets no header limit of its own, so oversized
headers are refused here with 431 (HTTP.md), before any routing. Every
response leaves with an `X-Request-Id` (HTTP.md): the `/graphql` endpoint
sets its own; anything else (health, metrics, static assets, 404s) gets the
client's sane one or a new one here.
"""

from __future__ import annotations

import re
import uuid

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import errors

_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


def request_id(value: str | bytes | None) -> str:
    """The client's X-Request-Id when it is sane, else a new one."""
    raw = value.encode() if isinstance(value, str) else value
    if raw and _REQUEST_ID.match(raw):
        return raw.decode()
    return uuid.uuid4().hex


class Edge:
    def __init__(self, app: ASGIApp, max_header_bytes: int) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        size = sum(len(name) + len(value) for name, value in headers)
        if size > self.max_header_bytes:
            await self._refuse(send, size)
            return
        given = next((value for name, value in headers if name == b"x-request-id"), None)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", ())}
                if b"x-request-id" not in names:
                    message["headers"] = [
                        *message.get("headers", ()),
                        (b"x-request-id", request_id(given).encode()),
                    ]
            await send(message)

        await self.app(scope, receive, send_with_id)

    async def _refuse(self, send: Send, size: int) -> None:
        body = orjson.dumps({"errors": [{
            "message": f"The request headers are too large ({size} > {self.max_header_bytes} "
                       "bytes).",
            "extensions": {"code": errors.BAD_REQUEST},
        }]})
        await send({
            "type": "http.response.start",
            "status": 431,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", uuid.uuid4().hex.encode()),
                (b"connection", b"close"),
            ],
        })
        await send({"type": "http.response.body", "body": body})
