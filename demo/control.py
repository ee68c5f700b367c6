"""The /__demo control and observation API (see the package docstring for the reference)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from demo.core import SERVICES
from demo.faults import parse_fault
from demo.latency import parse_latency
from demo.state import DemoState


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status, media_type="application/json")


def _bad(message: str) -> Response:
    return _json({"error": "bad_request", "message": message}, 400)


async def _body(request: Request) -> Any:
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise ValueError("body must be JSON") from exc


def control_routes(state: DemoState) -> list[Route]:
    async def health(request: Request) -> Response:
        return _json({"status": "ok", "services": list(SERVICES)})

    async def stats(request: Request) -> Response:
        raw = request.query_params.get("limit")
        if raw is not None and not raw.isdigit():
            return _bad("limit must be a non-negative integer")
        return _json(state.stats.snapshot(None if raw is None else int(raw)))

    async def reset(request: Request) -> Response:
        state.reset()
        return _json({"status": "reset"})

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            state.faults.clear()
        elif request.method == "PUT":
            try:
                body = await _body(request)
                specs = body if isinstance(body, list) else [body]
                parsed = [parse_fault(spec) for spec in specs]
            except ValueError as exc:
                return _bad(str(exc))
            for fault in parsed:
                state.faults.put(fault)
        return _json({"faults": [f.to_json() for f in state.faults.active()]})

    async def latency(request: Request) -> Response:
        if request.method == "DELETE":
            state.latency.clear()
        elif request.method == "PUT":
            try:
                service, spec = parse_latency(await _body(request))
            except ValueError as exc:
                return _bad(str(exc))
            state.latency.put(service, spec)
        return _json({"latency": state.latency.to_json()})

    return [
        Route("/health", health, methods=["GET"]),
        Route("/stats", stats, methods=["GET"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/faults", faults, methods=["GET", "PUT", "DELETE"]),
        Route("/latency", latency, methods=["GET", "PUT", "DELETE"]),
    ]
