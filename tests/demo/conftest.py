"""Fixtures for the demo upstreams' tests: one real server over 127.0.0.1 for the session."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from demo.server import DemoServer

TOKEN = "demo-test-service-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


# `demo_server` (one DemoServer for the session) comes from tests/conftest.py.


@pytest.fixture(scope="session")
def demo_server_url(demo_server: DemoServer) -> str:
    return demo_server.base_url


@pytest.fixture(scope="session")
def session_client(demo_server: DemoServer) -> Iterator[httpx.Client]:
    # One client for the session: creating one costs ~30 ms (its TLS context).
    with httpx.Client(base_url=demo_server.base_url, headers=AUTH, timeout=5.0) as http:
        yield http


@pytest.fixture(scope="session")
def anonymous(demo_server: DemoServer) -> Iterator[httpx.Client]:
    """A client without an Authorization header."""
    with httpx.Client(base_url=demo_server.base_url, timeout=5.0) as http:
        yield http


@pytest.fixture
def client(session_client: httpx.Client) -> Iterator[httpx.Client]:
    """An authorised client, with the demo reset first so tests never see each other."""
    session_client.post("/__demo/reset").raise_for_status()
    yield session_client
    session_client.delete("/__demo/faults").raise_for_status()
