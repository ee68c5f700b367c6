"""The HTTP floor: a bare Starlette endpoint answering fixed bytes, the BFF's own answer.

`python -m bench.bare_server --port N --body NAME=FILE [--body ...]` serves each
file's bytes at `/NAME` for GET and POST (reading the request body first, as
the BFF must), with `Content-Type: application/json`, under the same uvicorn
settings as `bff serve`. Nothing is parsed, validated or executed: this is
what the machine's HTTP stack costs per request.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route


def _endpoint(body: bytes) -> Callable[[Request], Awaitable[Response]]:
    async def answer(request: Request) -> Response:
        await request.body()
        return Response(body, media_type="application/json",
                        headers={"cache-control": "no-store"})

    return answer


def create_bare_app(bodies: dict[str, bytes]) -> Starlette:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    routes: list[BaseRoute] = [Route("/healthz", healthz)]
    for name, body in bodies.items():
        routes.append(Route(f"/{name}", _endpoint(body), methods=["GET", "POST"]))
    return Starlette(routes=routes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", action="append", default=[], metavar="NAME=FILE")
    args = parser.parse_args(argv)
    bodies: dict[str, bytes] = {}
    for spec in args.body:
        name, _, path = spec.partition("=")
        bodies[name] = Path(path).read_bytes()
    uvicorn.run(
        create_bare_app(bodies),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=True,
    )


if __name__ == "__main__":
    main()
