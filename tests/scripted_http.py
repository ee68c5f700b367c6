"""A real HTTP/1.1 server on 127.0.0.1 whose every answer a test scripts, byte for byte.

For what a framework server will not do on purpose: chunked or close-delimited bodies,
interim answers, garbage, resets mid-body, closing a kept-alive connection without a
word, speaking when nothing was asked. Runs its own event loop in a thread; records
every request (with its connection's number) and how many connections were opened and
closed.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import httptools


@dataclass
class Seen:
    """One request as the server received it."""

    connection: int
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]


@dataclass
class Reply:
    """What to do with one request: write `data`, then keep the connection, close or reset it."""

    data: bytes = b""
    then: str = "keep"  # keep | close | reset | hang (nothing written, nothing closed)


Handler = Callable[[Seen], Reply]


def answer(body: bytes = b'{"ok": true}', status: str = "200 OK",
           headers: tuple[str, ...] = (), then: str = "keep") -> Reply:
    head = "".join(f"{h}\r\n" for h in headers)
    return Reply(f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
                 f"content-length: {len(body)}\r\n{head}\r\n".encode() + body, then)


@dataclass
class _State:
    requests: list[Seen] = field(default_factory=list)
    opened: int = 0
    closed: int = 0


class _Connection(asyncio.Protocol):
    def __init__(self, server: ScriptedServer) -> None:
        self._server = server
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._number = 0
        self._target = b""
        self._headers: list[tuple[str, str]] = []
        self._body = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._server.transports.add(transport)
        with self._server.lock:
            self._server.state.opened += 1
            self._number = self._server.state.opened

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._server.transports.discard(self._transport)
        with self._server.lock:
            self._server.state.closed += 1

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            assert self._transport is not None
            self._transport.close()

    def on_message_begin(self) -> None:
        self._target, self._headers, self._body = b"", [], b""

    def on_url(self, url: bytes) -> None:
        self._target += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_body(self, body: bytes) -> None:
        self._body += body

    def on_message_complete(self) -> None:
        seen = Seen(self._number, self._parser.get_method().decode(), self._target.decode(),
                    self._headers, self._body)
        with self._server.lock:
            self._server.state.requests.append(seen)
        reply = self._server.handler(seen)
        transport = self._transport
        assert transport is not None
        if reply.data:
            transport.write(reply.data)
        if reply.then == "close":
            transport.close()
        elif reply.then == "reset":
            sock = transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()


class ScriptedServer:
    """`with ScriptedServer(handler) as server:` serves on `server.url` until the block ends."""

    def __init__(self, handler: Handler, ssl_context: object = None) -> None:
        self.handler = handler
        self.lock = threading.Lock()
        self.state = _State()
        self._ssl = ssl_context
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self.transports: set[asyncio.Transport] = set()  # touched on the server's loop only
        self.port = 0

    @property
    def url(self) -> str:
        return f"{'https' if self._ssl else 'http'}://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[Seen]:
        with self.lock:
            return list(self.state.requests)

    @property
    def opened(self) -> int:
        with self.lock:
            return self.state.opened

    @property
    def closed(self) -> int:
        with self.lock:
            return self.state.closed

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        started.result(10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        self._server = await self._loop.create_server(
            lambda: _Connection(self), "127.0.0.1", 0, ssl=self._ssl)  # type: ignore[arg-type]
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for transport in list(self.transports):
            transport.abort()
        await self._server.wait_closed()
