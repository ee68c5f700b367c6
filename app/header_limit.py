"""Oversized request headers are refused with 431 (HTTP.md), before any routing.

uvicorn's httptools parser sets no limit of its own, so the check is an ASGI
wrapper around the whole app: cheap (a sum over the header list) and first.
"""

from __future__ import annotations

import uuid

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from app import errors


class HeaderLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) for name, value in scope["headers"])
            if size > self.max_bytes:
                await self._refuse(send, size)
                return
        await self.app(scope, receive, send)

    async def _refuse(self, send: Send, size: int) -> None:
        body = orjson.dumps({"errors": [{
            "message": f"The request headers are too large ({size} > {self.max_bytes} bytes).",
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
