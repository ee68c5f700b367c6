"""The demo upstreams (`demo.create_demo_app`) in a process of their own, plus per-call timing.

`python -m bench.upstream_server --port N` serves exactly the demo app
(services under `/<name>`, control under `/__demo`), wrapped in one
pass-through layer that records, for every service call, the caller's
`X-Request-Id`, which call it was (`"<service> /<first path segment>"`, e.g.
`catalog /products`) and the time the service took to answer, measured inside
the upstream process (injected latency plus the handler, without the network
or the BFF's HTTP client). The latency scenario uses these to compute each
request's critical path.

- `GET /__bench/timings` -> `{"calls": [[request_id, call, start_s, service_ms], ...]}`
- `DELETE /__bench/timings` clears them.
"""

from __future__ import annotations

import argparse
import time
from collections import deque
from typing import Final

import orjson
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from demo import create_demo_app

TIMINGS_PATH: Final = "/__bench/timings"
MAX_TIMINGS: Final = 400_000

Timing = tuple[str, str, float, float]


def call_name(path: str) -> str | None:
    """`/catalog/products` -> `catalog /products`; None for control paths."""
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0].startswith("__"):
        return None
    return f"{parts[0]} /{parts[1]}" if len(parts) > 1 else f"{parts[0]} /"


class TimingLayer:
    """Records (request id, call, start, service time) per service call; bounded in memory."""

    def __init__(self, app: ASGIApp, max_timings: int = MAX_TIMINGS) -> None:
        self.app = app
        self.timings: deque[Timing] = deque(maxlen=max_timings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == TIMINGS_PATH:
            await self._control(scope, send)
            return
        name = call_name(path)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            if name is not None:
                request_id = ""
                for key, value in scope["headers"]:
                    if key == b"x-request-id":
                        request_id = value.decode("latin-1")
                        break
                elapsed_ms = (time.perf_counter() - started) * 1000
                self.timings.append((request_id, name, started, round(elapsed_ms, 3)))

    async def _control(self, scope: Scope, send: Send) -> None:
        if scope["method"] == "DELETE":
            self.timings.clear()
            body = b'{"status":"cleared"}'
        else:
            body = orjson.dumps({"calls": list(self.timings)})
        await send({
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": body})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.upstream_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    app = TimingLayer(create_demo_app())
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=4096,
        timeout_graceful_shutdown=1,
    )


if __name__ == "__main__":
    main()
