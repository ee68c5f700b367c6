"""The ASGI application: routes, and what lives for the process (lifespan)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from app import logs, loop_lag, metrics, tracing
from app.edge import Edge
from app.graphql_http.endpoint import GraphQLEndpoint
from app.graphql_http.graphiql import STATIC_DIR, STATIC_PREFIX
from app.readiness import Readiness
from app.redis_client import connect, redacted
from app.response_cache import build_cache
from app.settings import Settings, load_settings
from app.upstream import UpstreamClient
from loaders.entity_cache import build_entity_cache
from schema import build_schema

log = logging.getLogger("bff.server")

CORS_REQUEST_HEADERS = (
    "content-type", "authorization", "apollo-require-preflight", "x-apollo-operation-name",
    "x-requested-with", "x-request-id", "x-request-timeout-ms", "traceparent", "if-none-match",
)


def create_app(settings: Settings) -> Starlette:
    schema = build_schema()._schema
    holder: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # One Redis pool per process, shared by the document store, the rate limiter,
        # the caches and the readiness check.
        redis = connect(settings.redis_url) if settings.redis_url else None
        upstream = UpstreamClient(settings)
        cache = build_cache(settings, schema, redis)
        traces = tracing.build(settings)
        app.state.tracing = traces
        holder["endpoint"] = GraphQLEndpoint(settings, schema, upstream, redis, cache,
                                             build_entity_cache(settings, redis), traces)
        holder["readiness"] = Readiness(redis)
        if redis is not None and await holder["readiness"].problems():
            log.warning(
                "Redis at BFF_REDIS_URL=%s does not answer: serving without it until it "
                "does (APQ registrations kept by no one, rate limits decided without their "
                "buckets, the caches bypassed); /readyz answers 503 meanwhile",
                redacted(settings.redis_url or ""),
            )
        _freeze_startup_objects()
        lag = asyncio.create_task(loop_lag.watch(), name="event-loop-lag")
        try:
            yield
        finally:
            lag.cancel()
            await traces.aclose()
            if cache is not None:
                await cache.aclose()
            await upstream.aclose()
            if redis is not None:
                await redis.aclose()

    async def graphql(request: Request) -> Response:
        return await holder["endpoint"](request)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        problems = await holder["readiness"].problems()
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def prometheus(_: Request) -> Response:
        body, media_type = metrics.exposition()
        return Response(body, media_type=media_type)

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", prometheus),
    ]
    if settings.graphiql_enabled:
        routes.append(Mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="graphiql"))
    middleware = [Middleware(Edge, max_header_bytes=settings.max_header_bytes)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=list(CORS_REQUEST_HEADERS),
                allow_credentials=True,  # the web SPA's bff_session cookie
                expose_headers=["x-request-id", "etag", "retry-after"],
                max_age=600,
            )
        )
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)


def _freeze_startup_objects() -> None:
    """Move start-up's long-lived objects (schema, types, validators) out of the collector.

    Per-request garbage triggers full collections; without this each one rescans
    ~85k immutable start-up objects, for pauses over 100 ms (bench/results, gc_freeze).
    """
    gc.collect()
    gc.freeze()


def create_app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` and worker processes: settings from the environment."""
    settings = load_settings()
    logs.configure(settings.effective_log_format)
    return create_app(settings)
