"""A response delivered in parts: `multipart/mixed; deferSpec=20220824`, one JSON part each.

The layout is Apollo Router's, which Apollo Client (3.7+ and 4), Relay's
fetch-multipart-graphql, urql and GraphiQL (meros) read: each part is
`CRLF --graphql CRLF content-type: application/json CRLF CRLF <json>`, and the body
ends with `CRLF --graphql-- CRLF`. A part is complete only when the delimiter after
it arrives (that is how clients find its end), so each part is sent as soon as it
exists together with the delimiter that closes it: a client reads each part the
moment it is written, not when the next one comes.

The response owns the end of its request: `on_close` runs once, whether the
parts were all sent, the client went away (a disconnect ends the stream and
abandons the work still running) or sending failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.graphql_http.negotiate import DEFER_SPEC

BOUNDARY = "graphql"
CONTENT_TYPE = f'multipart/mixed; boundary="{BOUNDARY}"; deferSpec={DEFER_SPEC}'
_DELIMITER = f"\r\n--{BOUNDARY}".encode()
_HEADERS = b"\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"
_CLOSE = b"--\r\n"


class MultipartResponse(Response):
    def __init__(
        self,
        payloads: AsyncGenerator[dict[str, Any], None],
        headers: Mapping[str, str],
        on_close: Callable[[], Awaitable[None]],
    ) -> None:
        self._payloads = payloads
        self._on_close = on_close
        self.status_code = 200
        self.background = None
        self.init_headers({**headers, "content-type": CONTENT_TYPE})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            await send({"type": "http.response.start", "status": self.status_code,
                        "headers": self.raw_headers})
            opening = _DELIMITER
            async for payload in _until(self._payloads, gone):
                last = not payload.get("hasNext", False)
                body = opening + _HEADERS + orjson.dumps(payload) + _DELIMITER
                opening = b""
                if last:
                    await send({"type": "http.response.body", "body": body + _CLOSE,
                                "more_body": False})
                    return
                await send({"type": "http.response.body", "body": body, "more_body": True})
            if not gone.done():  # the parts ended without a last one: close the body anyway
                await send({"type": "http.response.body", "body": opening + _CLOSE,
                            "more_body": False})
        finally:
            gone.cancel()
            try:
                await self._payloads.aclose()
            finally:
                await self._on_close()


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _until(
    payloads: AsyncIterator[dict[str, Any]], gone: asyncio.Future[None]
) -> AsyncIterator[dict[str, Any]]:
    """The payloads, until they end or the client goes away, whichever comes first."""
    while True:
        following = asyncio.ensure_future(anext(payloads))
        await asyncio.wait((following, gone), return_when=asyncio.FIRST_COMPLETED)
        if not following.done():
            following.cancel()
            await asyncio.wait((following,))  # settled, so the payloads can be closed
            return
        try:
            payload = following.result()
        except StopAsyncIteration:
            return
        yield payload
