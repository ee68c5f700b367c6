"""Real servers on 127.0.0.1 for the tests: the BFF app in a background thread."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from app.server import create_app
from app.settings import load_settings
from demo.server import DemoServer


class BffServer:
    """The BFF on a free loopback port, with its lifespan, in a thread of its own."""

    def __init__(self, app: Starlette) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
            lifespan="on", timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="bff", daemon=True)
        self.base_url = ""

    def start(self) -> BffServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the BFF did not start")
            time.sleep(0.005)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    @property
    def url(self) -> str:
        return self.base_url + "/graphql"


def start_bff(demo: DemoServer, **settings: Any) -> BffServer:
    """A BFF pointed at the demo upstreams, with settings overridden by keyword.

    Its circuit breakers open only after 100,000 calls unless a test asks
    otherwise: a server shared by many fault tests must not carry one test's
    failures into the next (tests/test_breaker.py tests the breaker itself).
    """
    environ = {key: value for key, value in demo.upstream_env().items()}
    settings.setdefault("breaker_min_calls", 100_000)
    return BffServer(create_app(load_settings(environ, **settings))).start()


class Client:
    """A thin GraphQL client over real HTTP, sending what a browser app would."""

    def __init__(self, server: BffServer) -> None:
        self.server = server
        self.http = httpx.Client(timeout=10)

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> httpx.Response:
        body: dict[str, Any] = {"query": query, **extra}
        if variables is not None:
            body["variables"] = variables
        if operation_name is not None:
            body["operationName"] = operation_name
        return self.http.post(self.server.url, json=body, headers=headers or {})

    def data(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
        """POST and return `data`, failing the test on any error."""
        response = self.post(query, variables, **kw)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def close(self) -> None:
        self.http.close()


class Demo:
    """The demo upstreams' control API, as the tests use it."""

    def __init__(self, server: DemoServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.base_url, timeout=10)

    def reset(self) -> None:
        self.http.post("/__demo/reset").raise_for_status()

    def fault(self, service: str, mode: str, **options: Any) -> None:
        self.http.put("/__demo/faults", json={"service": service, "mode": mode, **options}
                      ).raise_for_status()

    def clear_faults(self) -> None:
        """End every fault; a call held by `hang` then goes on and is answered normally."""
        self.http.delete("/__demo/faults").raise_for_status()

    def latency(self, service: str, p50_ms: float, p99_ms: float | None = None) -> None:
        self.http.put(
            "/__demo/latency",
            json={"service": service, "p50_ms": p50_ms, "p99_ms": p99_ms or p50_ms},
        ).raise_for_status()

    def stats(self) -> dict[str, Any]:
        response = self.http.get("/__demo/stats")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def calls(self) -> dict[str, int]:
        calls: dict[str, int] = self.stats()["calls"]
        return calls

    def close(self) -> None:
        self.http.close()
