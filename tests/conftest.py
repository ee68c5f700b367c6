"""Shared fixtures: real demo upstreams and a real BFF, both on 127.0.0.1."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import jwt
import pytest

from app.settings import DEV_SECRET
from demo.server import DemoServer
from tests.contract_check import CONTRACT
from tests.servers import BffServer, Client, Demo, start_bff
from tests.upstream_truth import Truth

REDIS = ("127.0.0.1", 6379)
"""The Redis the tests talk to (tests that stop Redis start their own on a free port)."""
SHARED_REDIS = f"redis://{REDIS[0]}:{REDIS[1]}/0"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Say once, before anything runs, that Redis is missing, rather than a traceback a test."""
    try:
        with socket.create_connection(REDIS, timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            answered = connection.recv(64).startswith(b"+PONG")
    except OSError:
        answered = False
    if not answered:
        pytest.exit(
            "The tests need Redis at 127.0.0.1:6379 and none answers there. Start one, e.g.\n"
            "  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' "
            "--appendonly no\n(Debian/Ubuntu: apt-get install redis-server), then run the "
            "tests again.",
            returncode=2,
        )


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    server = DemoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bff_server(demo_server: DemoServer) -> Iterator[BffServer]:
    server = start_bff(demo_server)
    yield server
    server.stop()


@pytest.fixture
def demo(demo_server: DemoServer) -> Iterator[Demo]:
    """The demo upstreams, reset before each test (counters, faults, carts)."""
    control = Demo(demo_server)
    control.reset()
    yield control
    control.reset()
    control.close()


@pytest.fixture
def client(bff_server: BffServer, demo: Demo) -> Iterator[Client]:
    c = Client(bff_server)
    yield c
    c.close()


def make_token(sub: str = "u0001", *, ttl_s: int = 3600, secret: str = DEV_SECRET,
               **claims: object) -> str:
    now = int(time.time())
    return jwt.encode({"sub": sub, "exp": now + ttl_s, "iat": now, **claims}, secret,
                      algorithm="HS256")


def auth(sub: str = "u0001") -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(sub)}"}


@pytest.fixture
def truth(demo: Demo) -> Iterator[Truth]:
    t = Truth(demo)
    yield t
    t.close()


def operation(name: str) -> str:
    """A contract operation's text, exactly as clients send it."""
    return (CONTRACT / "operations" / f"{name}.graphql").read_text()
