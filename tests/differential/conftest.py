"""Two real BFF servers against the same demo upstreams: planned execution and the reference."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo.server import DemoServer
from tests.differential.exchange import Pair
from tests.servers import BffServer, Demo, start_bff

DOCUMENT_CACHE = 32
"""Each generated query is sent a few times in a row, then never again: a small cache keeps
the servers from holding thousands of documents and their plans for the rest of the test
session (millions of objects for every full garbage collection of the test process to
walk, long enough to eat other tests' deadlines)."""


@pytest.fixture(scope="session")
def planned_server(demo_server: DemoServer) -> Iterator[BffServer]:
    server = start_bff(demo_server, planner="on", document_cache_size=DOCUMENT_CACHE)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def reference_server(demo_server: DemoServer) -> Iterator[BffServer]:
    server = start_bff(demo_server, planner="off", document_cache_size=DOCUMENT_CACHE)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pair(
    planned_server: BffServer, reference_server: BffServer, demo_server: DemoServer
) -> Iterator[Pair]:
    control = Demo(demo_server)
    control.reset()
    both = Pair(planned_server, reference_server, control)
    yield both
    control.reset()
    both.close()
    control.close()


@pytest.fixture(autouse=True)
def clean_demo(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that talks to the servers starts and ends with healthy upstreams and the
    demo's initial carts (tests that do not, start no server)."""
    if "pair" not in request.fixturenames:
        yield
        return
    pair: Pair = request.getfixturevalue("pair")
    pair.demo.reset()
    yield
    pair.demo.reset()
