"""The HTTP/1.1 exchange under the upstream client: pooled keep-alive connections.

Why not a general HTTP client: the BFF sends small requests to a few known
services and reads small JSON answers, and per call that is all it needs.
httpx (even over aiohttp's transport) spent ~600 µs of CPU per batch call on
its request/response objects, header normalisation, cookie jar, auth and
redirect layers; aiohttp alone ~130-200 µs; this, on asyncio's transports
and llhttp's parser (httptools, uvicorn's), ~50-90 µs, before the BFF's own
bookkeeping (`python -m bench.upstream_client`, README, Performance).

What it does, and nothing more:
- HTTP/1.1 over TCP or TLS (certifi's CA bundle, as httpx had), one request
  at a time per connection; idle connections are kept per origin for
  `KEEPALIVE_S` (at most `MAX_IDLE_PER_ORIGIN`) and reused newest first.
- Bodies by Content-Length, chunked, or until the server closes; `gzip` and
  `deflate` answers are decoded (none are asked for: no Accept-Encoding).
- A request that finds its reused connection already closed by the server
  (closed cleanly, no byte of an answer received: the keep-alive race every
  pool runs) is sent once more on a new connection, for safe methods (GET,
  HEAD) only: the BFF's DELETE is a cart write, sent once. A connection
  *reset* is not resent here: that is a failure of the call, which the
  client's retry policy (`app.upstream`) decides about, counted and budgeted.
- The answer's `Retry-After` is handed back (the retry policy honours it);
  no other header is kept.
- No cookies, ever: `Set-Cookie` is never read and `Cookie` never written.
- No redirects, proxies or environment settings; no timeouts of its own: the
  caller bounds each exchange (asyncio.timeout) and a cancelled exchange
  closes its connection, whose state is then unknown.
- No cap on open connections: the client's bulkheads already bound the
  calls in flight per service (`BFF_UPSTREAM_<NAME>_MAX_CONCURRENCY`). Host
  names are resolved by the event loop for each new connection (none for IP
  addresses); with keep-alive, new connections are rare.

Failures raise `UpstreamHTTPError` (refused, reset, closed early, malformed
answer), an `OSError`.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import zlib
from collections import deque
from collections.abc import Mapping
from typing import NamedTuple, cast
from urllib.parse import urlsplit

import certifi
import httptools

KEEPALIVE_S = 5.0
"""Idle connections older than this are not reused (httpx's and the BFF's former pool's
expiry): shorter than the usual server keep-alive, so a pooled connection is rarely one
the server is closing."""
MAX_IDLE_PER_ORIGIN = 256
_SAFE = frozenset({"GET", "HEAD"})


class UpstreamHTTPError(OSError):
    """The exchange failed at the HTTP or connection level (never an HTTP status)."""


class ClosedEarly(UpstreamHTTPError):
    """The server closed the connection before a whole answer arrived."""


class ResetEarly(ClosedEarly, ConnectionResetError):
    """The connection was reset (or failed) before a whole answer arrived."""


class Answer(NamedTuple):
    """An upstream answer: status, body (decompressed), and its `Retry-After`, if any."""

    status: int
    body: bytes
    retry_after: str | None = None


class Origin:
    """scheme://host:port of one service, with its pool of idle connections."""

    __slots__ = ("_idle", "_ssl", "host", "host_header", "port")

    def __init__(self, base_url: str, tls: ssl.SSLContext | None) -> None:
        parts = urlsplit(base_url)
        secure = parts.scheme == "https"
        self.host = parts.hostname or ""  # none: every exchange fails (not configured)
        self.port = parts.port or (443 if secure else 80)
        default_port = parts.port is None or parts.port == (443 if secure else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = host if default_port else f"{host}:{self.port}"
        self._ssl = tls if secure else None
        self._idle: deque[Connection] = deque()

    async def exchange(self, method: str, target: str, headers: Mapping[str, str],
                       body: bytes | None) -> Answer:
        """Send one request and read its answer.

        `target` is the path and query, already percent-encoded; `headers` are
        sent as given (names in lower case), after `host` and before
        `content-length`.
        """
        if not self.host:
            raise UpstreamHTTPError("no upstream URL")
        head = request_head(method, target, self.host_header, headers, body)
        connection = self._pooled()
        reused = connection is not None
        if connection is None:
            connection = await self._connect()
        try:
            answer, keep = await connection.exchange(head, body)
        except ClosedEarly as closed:
            if not (reused and method in _SAFE and not connection.answered
                    and not isinstance(closed, ResetEarly)):
                raise
            connection = await self._connect()  # the server had closed it while idle
            answer, keep = await connection.exchange(head, body)
        if keep:
            self._release(connection)
        return answer

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

    def _pooled(self) -> Connection | None:
        idle = self._idle
        expired = time.monotonic() - KEEPALIVE_S
        while idle:
            connection = idle.pop()
            if connection.usable() and connection.idle_since > expired:
                return connection
            connection.close()
        return None

    def _release(self, connection: Connection) -> None:
        idle = self._idle
        now = connection.idle_since = time.monotonic()
        idle.append(connection)
        # The oldest go first: past the expiry (left unused since a burst) or the cap.
        while len(idle) > MAX_IDLE_PER_ORIGIN or idle[0].idle_since <= now - KEEPALIVE_S:
            idle.popleft().close()

    async def _connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(
            Connection, self.host, self.port, ssl=self._ssl,
            server_hostname=self.host if self._ssl else None,
        )
        return connection


def request_head(method: str, target: str, host: str, headers: Mapping[str, str],
                 body: bytes | None) -> bytes:
    """The request line and headers, as bytes.

    A CR, LF or NUL anywhere but at the ends of lines (a header value carrying
    a line break: injection) is refused with ValueError, as are non-ASCII
    characters (httpx's rule), before anything is sent.
    """
    lines = [f"{method} {target} HTTP/1.1\r\n", f"host: {host}\r\n"]
    lines += [f"{name}: {value}\r\n" for name, value in headers.items()]
    if body is not None:
        lines.append(f"content-length: {len(body)}\r\n")
    lines.append("\r\n")
    text = "".join(lines)
    if text.count("\n") != len(lines) or text.count("\r") != len(lines) or "\0" in text:
        raise ValueError("a line break in an upstream request line or header")
    return text.encode("ascii")


def plain_header_value(value: str) -> bool:
    """1 or more printable ASCII characters, no spaces: what the BFF accepts from a client
    for a value it sends upstream as a header (an idempotency key, a user id), so that
    `request_head` never has to refuse one."""
    return bool(value) and value.isascii() and value.isprintable() and " " not in value


def tls_context() -> ssl.SSLContext:
    """Verification against certifi's CA bundle, as httpx did (not the system's store)."""
    return ssl.create_default_context(cafile=certifi.where())


class Connection(asyncio.Protocol):
    """One keep-alive connection: writes a request, parses its answer with llhttp."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[tuple[Answer, bool]] | None = None
        self._chunks: list[bytes] = []
        self._status = 0
        self._retry_after: str | None = None
        self._framed = False  # Content-Length or chunked: the body's end is known
        self._encoding = b""
        self._closed = False
        self.answered = False  # any byte of an answer received on the current exchange
        self.idle_since = 0.0

    # -- used by Origin ------------------------------------------------------------------

    async def exchange(self, head: bytes, body: bytes | None) -> tuple[Answer, bool]:
        """Write the request; wait for the whole answer: (answer, reusable?)."""
        transport = self._transport
        if transport is None or self._closed:
            raise ClosedEarly("connection closed")
        waiter = self._waiter = asyncio.get_running_loop().create_future()
        self.answered = False
        transport.write(head + body if body else head)
        try:
            return await waiter
        except BaseException:  # failed, timed out or cancelled: its state is unknown
            self.close()
            raise
        finally:
            self._waiter = None

    def usable(self) -> bool:
        return not self._closed and self._transport is not None \
            and not self._transport.is_closing()

    def close(self) -> None:
        self._closed = True
        if self._transport is not None:
            self._transport.close()

    # -- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's: not a subclass

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():  # nothing asked: a broken server
            self.close()
            return
        self.answered = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamHTTPError(f"malformed answer: {type(exc).__name__}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if self._status and not self._framed:  # a body delimited by the close itself
            self._complete(keep=False)
        elif exc is not None:
            self._fail(ResetEarly(f"connection lost: {type(exc).__name__}"))
        else:
            self._fail(ClosedEarly("connection closed before the answer was complete"))

    # -- httptools callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._chunks = []
        self._status = 0
        self._framed = False
        self._encoding = b""
        self._retry_after = None

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"content-length" or (name == b"transfer-encoding"
                                         and b"chunked" in value.lower()):
            self._framed = True
        elif name == b"content-encoding":
            self._encoding = value.strip().lower()
        elif name == b"retry-after":
            self._retry_after = value.decode("latin-1").strip()

    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self._status < 200:  # an interim answer: the real one follows
            return
        self._complete(keep=self._parser.should_keep_alive())

    # -----------------------------------------------------------------------------------

    def _complete(self, keep: bool) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():  # a second answer to one request: a broken server
            self.close()
            return
        content = b"".join(self._chunks)
        self._chunks = []
        if self._encoding and self._encoding != b"identity":
            try:
                content = _decompress(self._encoding, content)
            except (zlib.error, ValueError) as exc:
                self._fail(UpstreamHTTPError(f"undecodable body: {type(exc).__name__}"))
                self.close()
                return
        if not keep:
            self.close()
        waiter.set_result((Answer(self._status, content, self._retry_after), keep))

    def _fail(self, error: Exception) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)


def _decompress(encoding: bytes, content: bytes) -> bytes:
    if encoding in (b"gzip", b"x-gzip"):
        return zlib.decompress(content, wbits=16 + zlib.MAX_WBITS)
    if encoding == b"deflate":
        try:
            return zlib.decompress(content)
        except zlib.error:  # raw deflate, without the zlib wrapper
            return zlib.decompress(content, wbits=-zlib.MAX_WBITS)
    raise ValueError("unsupported content-encoding")
