"""The upstream HTTP exchange against real servers on 127.0.0.1, under asyncio's loop and
uvloop (the BFF's): keep-alive, body framings, failures, stale connections, TLS."""

from __future__ import annotations

import asyncio
import datetime
import gzip
import ipaddress
import ssl
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app import upstream_http
from app.upstream_http import Answer, ClosedEarly, Origin, ResetEarly, UpstreamHTTPError
from tests.scripted_http import Reply, ScriptedServer, Seen, answer

Runner = Callable[[Awaitable[Any]], Any]
HEADERS = {"accept": "application/json", "x-request-id": "r1"}


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Runner:
    runners: dict[str, Runner] = {"asyncio": asyncio.run, "uvloop": uvloop.run}
    return runners[request.param]


async def _get(origin: Origin, target: str = "/x") -> tuple[int, bytes]:
    answer = await origin.exchange("GET", target, HEADERS, None)
    return answer.status, answer.body


def test_keep_alive_one_connection_for_sequential_calls(run: Runner) -> None:
    with ScriptedServer(lambda seen: answer(f'{{"n": "{seen.target}"}}'.encode())) as server:
        async def calls() -> list[tuple[int, bytes]]:
            origin = Origin(server.url, None)
            try:
                return [await _get(origin, f"/svc/items?ids=a,b&n={n}") for n in range(5)]
            finally:
                origin.close()

        results = run(calls())
        assert results == [(200, f'{{"n": "/svc/items?ids=a,b&n={n}"}}'.encode())
                           for n in range(5)]
        assert server.opened == 1
        first = server.requests[0]
        assert (first.method, first.target) == ("GET", "/svc/items?ids=a,b&n=0")
        assert first.header("host") == [f"127.0.0.1:{server.port}"]
        assert first.header("x-request-id") == ["r1"]
        assert not first.header("cookie") and not first.header("accept-encoding")


def test_post_body_and_its_length(run: Runner) -> None:
    with ScriptedServer(lambda seen: answer(seen.body)) as server:
        async def post() -> Answer:
            origin = Origin(server.url, None)
            try:
                return await origin.exchange("POST", "/carts/u1/items",
                                             {"content-type": "application/json"},
                                             b'{"quantity": 2}')
            finally:
                origin.close()

        assert run(post()) == (200, b'{"quantity": 2}', None)
        assert server.requests[0].header("content-length") == ["15"]


def _chunked(seen: Seen) -> Reply:
    return Reply(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                 b"5\r\n{\"a\":\r\n4\r\n 12}\r\n0\r\n\r\n")


def _close_delimited(seen: Seen) -> Reply:
    return Reply(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{\"until\": \"close\"}",
                 then="close")


def _gzipped(seen: Seen) -> Reply:
    body = gzip.compress(b'{"zipped": true}')
    return Reply(b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\n"
                 + f"content-length: {len(body)}\r\n\r\n".encode() + body)


def _interim(seen: Seen) -> Reply:
    return Reply(b"HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n" + answer(b"{}").data)


@pytest.mark.parametrize(("handler", "body", "connections"), [
    (_chunked, b'{"a": 12}', 1),
    (_close_delimited, b'{"until": "close"}', 2),  # not reusable: a new one each time
    (_gzipped, b'{"zipped": true}', 1),
    (_interim, b"{}", 1),
    (lambda seen: answer(b"{}", headers=("connection: close",), then="close"), b"{}", 2),
    (lambda seen: answer(b"", status="204 No Content"), b"", 1),
])
def test_answer_framings(run: Runner, handler: Callable[[Seen], Reply], body: bytes,
                         connections: int) -> None:
    with ScriptedServer(handler) as server:
        async def twice() -> list[tuple[int, bytes]]:
            origin = Origin(server.url, None)
            try:
                return [await _get(origin), await _get(origin)]
            finally:
                origin.close()

        status = 204 if not body else 200
        assert run(twice()) == [(status, body), (status, body)]
        assert server.opened == connections


@pytest.mark.parametrize(("reply", "error"), [
    (Reply(b"this is not HTTP\r\n\r\n"), UpstreamHTTPError),
    (Reply(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"short\"", "reset"), ClosedEarly),
    (Reply(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"short\"", "close"), ClosedEarly),
    (Reply(b"", "close"), ClosedEarly),
    (Reply(b"", "reset"), ClosedEarly),
    (Reply(b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: 3\r\n\r\nabc"),
     UpstreamHTTPError),
    (Reply(b"HTTP/1.1 200 OK\r\ncontent-encoding: br\r\ncontent-length: 3\r\n\r\nabc"),
     UpstreamHTTPError),
])
def test_broken_answers_fail_and_are_not_sent_twice(run: Runner, reply: Reply,
                                                     error: type[Exception]) -> None:
    with ScriptedServer(lambda seen: reply) as server:
        async def once() -> None:
            origin = Origin(server.url, None)
            try:
                with pytest.raises(error):
                    await _get(origin)
                assert origin._pooled() is None, "a failed connection is never pooled"
                for _ in range(100):
                    if server.closed:
                        break
                    await asyncio.sleep(0.01)
                assert server.closed == 1, "and it is closed, whichever side began"
            finally:
                origin.close()

        run(once())
        assert len(server.requests) == 1, "a fresh connection's failure is not retried"


def test_refused_connection_is_an_os_error(run: Runner) -> None:
    with ScriptedServer(lambda seen: answer()) as server:
        url = server.url
    with pytest.raises(ConnectionRefusedError):
        run(_get(Origin(url, None)))


def test_stale_pooled_connection_is_retried_once_for_reads_only(run: Runner) -> None:
    """The server closes a kept-alive connection as the next request arrives (the race a
    pool always runs): a GET goes again on a new connection; a POST or a DELETE (the cart's
    writes) fails, sent once."""

    def handler(seen: Seen) -> Reply:
        first_on_connection = [r for r in server.requests if r.connection == seen.connection]
        return answer() if len(first_on_connection) == 1 else Reply(b"", "close")

    with ScriptedServer(handler) as server:
        async def calls() -> None:
            origin = Origin(server.url, None)
            try:
                assert await _get(origin) == (200, b'{"ok": true}')
                assert await _get(origin) == (200, b'{"ok": true}')  # retried, new connection
                with pytest.raises(ClosedEarly):  # a write is not sent twice
                    await origin.exchange("POST", "/x", HEADERS, b"{}")
                assert await _get(origin) == (200, b'{"ok": true}')
                with pytest.raises(ClosedEarly):
                    await origin.exchange("DELETE", "/x", HEADERS, None)
            finally:
                origin.close()

        run(calls())
        assert [(r.connection, r.method) for r in server.requests] == [
            (1, "GET"), (1, "GET"), (2, "GET"), (2, "POST"), (3, "GET"), (3, "DELETE")]


def test_a_reset_reused_connection_is_not_resent(run: Runner) -> None:
    """A reset is the service failing the call, not the keep-alive race: the exchange
    reports it (the client's retry policy decides, counted), never resends it itself."""

    def handler(seen: Seen) -> Reply:
        first_on_connection = [r for r in server.requests if r.connection == seen.connection]
        return answer() if len(first_on_connection) == 1 else Reply(b"", "reset")

    with ScriptedServer(handler) as server:
        async def calls() -> None:
            origin = Origin(server.url, None)
            try:
                assert await _get(origin) == (200, b'{"ok": true}')
                with pytest.raises(ResetEarly):
                    await _get(origin)
            finally:
                origin.close()

        run(calls())
        assert [r.connection for r in server.requests] == [1, 1]


def test_retry_after_is_reported(run: Runner) -> None:
    reply = answer(b"{}", status="503 Service Unavailable", headers=("Retry-After: 3",))
    with ScriptedServer(lambda seen: reply) as server:
        async def call() -> Answer:
            origin = Origin(server.url, None)
            try:
                return await origin.exchange("GET", "/x", HEADERS, None)
            finally:
                origin.close()

        assert run(call()) == (503, b"{}", "3")


def test_cancelled_exchange_closes_its_connection(run: Runner) -> None:
    hang = True

    def handler(seen: Seen) -> Reply:
        return Reply(then="hang") if hang else answer()

    with ScriptedServer(handler) as server:
        async def calls() -> tuple[int, bytes]:
            nonlocal hang
            origin = Origin(server.url, None)
            try:
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(0.05):
                        await _get(origin)
                for _ in range(100):  # the server sees the close a moment later
                    if server.closed:
                        break
                    await asyncio.sleep(0.01)
                assert server.closed == 1, "the abandoned connection is closed at once"
                hang = False
                return await _get(origin)
            finally:
                origin.close()

        assert run(calls()) == (200, b'{"ok": true}')
        assert server.opened == 2, "the abandoned connection is not reused"


def test_unsolicited_bytes_on_an_idle_connection_retire_it(run: Runner) -> None:
    def handler(seen: Seen) -> Reply:
        return Reply(answer().data + (answer().data if seen.connection == 1 else b""))

    with ScriptedServer(handler) as server:
        async def calls() -> None:
            origin = Origin(server.url, None)
            try:
                assert await _get(origin) == (200, b'{"ok": true}')
                await asyncio.sleep(0.05)  # the extra answer arrives while the connection idles
                assert await _get(origin) == (200, b'{"ok": true}')
            finally:
                origin.close()

        run(calls())
        assert [r.connection for r in server.requests] == [1, 2]


def test_idle_connections_expire(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upstream_http, "KEEPALIVE_S", 0.05)
    with ScriptedServer(lambda seen: answer()) as server:
        async def calls() -> None:
            origin = Origin(server.url, None)
            try:
                await _get(origin)
                await asyncio.sleep(0.1)
                await _get(origin)
            finally:
                origin.close()

        run(calls())
        assert [r.connection for r in server.requests] == [1, 2]


@pytest.mark.parametrize("value", ["a\r\nx-injected: 1", "a\nb", "a\rb", "a\0b", "é"])
def test_header_injection_and_non_ascii_are_refused_before_sending(run: Runner,
                                                                    value: str) -> None:
    with ScriptedServer(lambda seen: answer()) as server:
        async def call() -> None:
            origin = Origin(server.url, None)
            try:
                with pytest.raises(ValueError):
                    await origin.exchange("POST", "/x", {"idempotency-key": value}, None)
            finally:
                origin.close()

        run(call())
        assert server.requests == [] and server.opened == 0


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A self-signed certificate for 127.0.0.1 (no CA anywhere trusts it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    yield cert_file, key_file


def test_tls_is_verified(run: Runner, certificate: tuple[Path, Path]) -> None:
    cert_file, key_file = certificate
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert_file, key_file)
    trusting = ssl.create_default_context(cafile=str(cert_file))
    with ScriptedServer(lambda seen: answer(), ssl_context=server_side) as server:
        async def calls() -> None:
            trusted = Origin(server.url, trusting)
            try:
                assert await _get(trusted) == (200, b'{"ok": true}')
                assert await _get(trusted) == (200, b'{"ok": true}')
            finally:
                trusted.close()
            with pytest.raises(ssl.SSLCertVerificationError):  # certifi's CAs: not trusted
                await _get(Origin(server.url, upstream_http.tls_context()))

        run(calls())
        assert len(server.requests) == 2 and server.requests[1].connection == 1
