"""Shared fixtures: real demo upstreams and a real BFF, both on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import jwt
import pytest

from app.settings import DEV_SECRET
from demo.server import DemoServer
from tests.contract_check import CONTRACT
from tests.servers import BffServer, Client, Demo, start_bff
from tests.upstream_truth import Truth


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
