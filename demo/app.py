"""The demo upstreams as one Starlette app: each service under ``/<service>``, control under
``/__demo``."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from demo.control import control_routes
from demo.core import error_body
from demo.endpoint import RAW_SEND_KEY, ServiceEndpoint
from demo.latency import latency_specs
from demo.services import SERVICE_ENDPOINTS
from demo.state import DemoState


class DemoApp(Starlette):
    """Starlette, plus uvicorn's own ``send`` kept in the scope for the ``reset`` fault."""

    demo_state: DemoState

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[RAW_SEND_KEY] = send
        await super().__call__(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    """404/405 in the contract's error shape rather than Starlette's plain text."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "error")
    headers = exc.headers if isinstance(exc, HTTPException) else None
    return Response(
        error_body(code, f"{request.method} {request.url.path}: {code.replace('_', ' ')}"),
        status,
        headers=headers,
        media_type="application/json",
    )


def create_demo_app(latency: dict[str, tuple[float, float]] | None = None) -> Starlette:
    """A fresh demo app with its own state.

    ``latency`` maps a service name (or ``"*"`` for all) to ``(p50_ms, p99_ms)``; it is the
    start-up latency, which ``POST /__demo/reset`` returns to.
    """
    state = DemoState(latency_specs(latency))
    routes: list[BaseRoute] = [
        Mount(
            f"/{service}",
            routes=[
                Route(e.template, ServiceEndpoint(state, service, e), methods=[e.method])
                for e in endpoints
            ],
        )
        for service, endpoints in SERVICE_ENDPOINTS.items()
    ]
    routes.append(Mount("/__demo", routes=control_routes(state)))
    app = DemoApp(routes=routes, exception_handlers={HTTPException: _http_error})
    app.demo_state = state
    app.state.demo = state
    return app
