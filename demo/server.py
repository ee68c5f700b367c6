"""Running the demo upstreams: in a background thread (tests, the embedded default) or in
the foreground (``bff demo-upstreams``)."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Final

import uvicorn
from starlette.applications import Starlette

from demo.app import DemoApp, create_demo_app
from demo.core import SERVICES
from demo.latency import parse_latency_arg
from demo.state import DemoState

__all__ = [
    "DEFAULT_PORT",
    "SERVICES",
    "DemoServer",
    "parse_latency_arg",
    "run_demo_upstreams",
    "serve",
]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8100

Latency = dict[str, tuple[float, float]]


def _config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
        # Longer than clients' pool expiry (httpx: 5 s), so a client never reuses a
        # connection the server is closing: that race would look like an upstream failure.
        timeout_keep_alive=75,
        backlog=4096,
    )


def _env_name(service: str) -> str:
    return f"BFF_UPSTREAM_{service.upper()}_URL"


class _Server(uvicorn.Server):
    """uvicorn's server minus its habit of re-raising the signal after a graceful exit,
    so a SIGTERM'd ``bff demo-upstreams`` exits 0."""

    def __init__(self, config: uvicorn.Config, announce: bool = False) -> None:
        super().__init__(config)
        self._announce = announce

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self._announce and self.started:
            print(
                f"demo upstreams listening on {_bound_url(self, self.config.host)}"
                " (services under /<name>, control under /__demo)",
                file=sys.stderr,
                flush=True,
            )


def _bound_url(server: uvicorn.Server, host: str) -> str:
    sockname = server.servers[0].sockets[0].getsockname()
    host = sockname[0] if host in ("0.0.0.0", "::", "") else host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{sockname[1]}"


class DemoServer:
    """The demo upstreams on a background thread with its own event loop.

    ``port=0`` picks a free port; ``base_url`` tells which once started.
    Usable as a context manager.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = 0,
        *,
        latency: Latency | None = None,
        app: Starlette | None = None,
    ) -> None:
        self.host = host
        self.app = app if app is not None else create_demo_app(latency)
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    @property
    def state(self) -> DemoState:
        """The app's live state; mutate it only via the control API while serving."""
        if not isinstance(self.app, DemoApp):
            raise TypeError("not a demo app")
        return self.app.demo_state

    def start(self, timeout: float = 10.0) -> None:
        """Returns once the server accepts connections; RuntimeError if it cannot."""
        if self._thread is not None:
            raise RuntimeError("already started")
        server = _Server(_config(self.app, self.host, self._requested_port))
        failure: list[BaseException] = []

        def run() -> None:
            try:
                server.run()
            except BaseException as exc:  # uvicorn sys.exit()s when it cannot bind
                failure.append(exc)

        thread = threading.Thread(target=run, name="demo-upstreams", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                where = f"{self.host}:{self._requested_port}"
                raise RuntimeError(f"demo upstreams could not start on {where}: {failure!r}")
            if time.monotonic() > deadline:
                server.should_exit = True
                raise RuntimeError("demo upstreams did not start in time")
            time.sleep(0.005)
        self._server, self._thread = server, thread
        self._base_url = _bound_url(server, self.host)

    def stop(self, timeout: float = 10.0) -> None:
        """Stops serving (hanging calls end at once) and waits for the thread."""
        if self._server is None or self._thread is None:
            return
        if isinstance(self.app, DemoApp):
            self.app.demo_state.faults.release_hangs()
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._server = self._thread = None
        self._base_url = None

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("DemoServer is not started")
        return self._base_url

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def url_for(self, service: str) -> str:
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}")
        return f"{self.base_url}/{service}"

    def service_urls(self) -> dict[str, str]:
        return {service: self.url_for(service) for service in SERVICES}

    def upstream_env(self) -> dict[str, str]:
        """``BFF_UPSTREAM_<NAME>_URL`` for every service, pointing here."""
        return {_env_name(service): self.url_for(service) for service in SERVICES}

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    latency: Latency | None = None,
    *,
    announce: bool = True,
) -> None:
    """Serve in the current event loop until SIGINT/SIGTERM (main thread) or cancellation."""
    server = _Server(_config(create_demo_app(latency), host, port), announce=announce)
    await server.serve()


def run_demo_upstreams(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, latency: Latency | None = None
) -> None:
    """Block serving until SIGINT/SIGTERM, then return normally (for ``bff demo-upstreams``)."""
    server = _Server(_config(create_demo_app(latency), host, port), announce=True)
    server.run()
    if not server.started:
        raise SystemExit(f"demo upstreams could not start on {host}:{port}")


if __name__ == "__main__":  # pragma: no cover - `python -m demo.server [PORT]`
    run_demo_upstreams(port=int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PORT)
