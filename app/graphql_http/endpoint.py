"""`/graphql`: the request pipeline of DESIGN.md, one stage after another.

edge (request id, load shedding, CSRF, body limit, identity, deadline) →
decode → resolve document → admit → execute → shape → respond.
Every refusal is a `RequestError` carrying its code and status.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import orjson
from graphql import GraphQLSchema, OperationType
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app import cache_policy, edge, errors, metrics
from app.admission import Admission, Operation
from app.auth import SESSION_COOKIE, Authenticator
from app.context import RequestContext
from app.deadline import Deadline, budget_from_header, upstream_budget
from app.execution import Outcome, run
from app.graphql_http import decode, negotiate
from app.graphql_http.graphiql import graphiql_page
from app.limits import query_limits
from app.ratelimit import (
    Buckets,
    MemoryBuckets,
    RateLimiter,
    RedisBuckets,
    client_identity,
)
from app.settings import Settings
from app.tracecontext import TraceContext
from app.upstream import CallScope, UpstreamClient
from loaders import Loaders
from persisted_queries.factory import build_resolver
from planner import account

log = logging.getLogger("bff.request")

_PREFLIGHT_HEADERS = ("x-apollo-operation-name", "apollo-require-preflight", "x-requested-with")
ANONYMOUS = "anonymous"
# Refusals counted in bff_rejected_total (RUNNING.md): limits, throttling, load shedding.
_REJECTIONS = frozenset({
    errors.COST_ESTIMATED_TOO_EXPENSIVE, errors.MAX_DEPTH_LIMIT, errors.MAX_ALIASES_LIMIT,
    errors.MAX_ROOT_FIELDS_LIMIT, errors.MAX_TOKENS_LIMIT, errors.THROTTLED,
    errors.SERVICE_UNAVAILABLE, errors.PAYLOAD_TOO_LARGE,
})


class GraphQLEndpoint:
    """Holds what lives for the process (schema, document cache, upstream client)."""

    def __init__(
        self,
        settings: Settings,
        schema: GraphQLSchema,
        upstream: UpstreamClient,
        redis: Any | None = None,
    ) -> None:
        self.settings = settings
        self.schema = schema
        self.upstream = upstream
        self.admission = Admission(
            schema,
            cache_size=settings.document_cache_size,
            introspection=settings.introspection_enabled,
            limits=query_limits(settings),
        )
        self.auth = Authenticator(settings)
        self.documents = build_resolver(settings, self.admission, redis)
        self.rate_limiter = _rate_limiter(settings, redis)
        self.in_flight = 0

    async def __call__(self, request: Request) -> Response:
        started = time.monotonic()
        request_id = edge.request_id(request.headers.get("x-request-id"))
        accept = request.headers.get("accept")
        if (
            request.method == "GET"
            and self.settings.graphiql_enabled
            and negotiate.wants_html(accept)
        ):
            return HTMLResponse(graphiql_page(), headers={"x-request-id": request_id})
        state = _RequestState(request_id)
        if self.in_flight >= self.settings.max_in_flight:
            response = self._refusal(
                errors.RequestError(
                    errors.SERVICE_UNAVAILABLE, "The server is busy; retry shortly.", 503,
                    headers={"retry-after": "1"},
                ),
                negotiate.JSON,
                state,
            )
            return self._finish(response, state, started)
        self.in_flight += 1
        metrics.IN_FLIGHT.inc()
        try:
            response = await self._handle(request, accept, state)
        finally:
            self.in_flight -= 1
            metrics.IN_FLIGHT.dec()
        return self._finish(response, state, started)

    async def _handle(self, request: Request, accept: str | None, state: _RequestState) -> Response:
        media_type = negotiate.JSON
        try:
            media_type = negotiate.response_media_type(accept)
            deadline = Deadline(
                upstream_budget(
                    budget_from_header(
                        request.headers.get("x-request-timeout-ms"),
                        self.settings.default_timeout_ms,
                        self.settings.max_timeout_ms,
                    )
                )
            )
            graphql_request = await self._decode(request)
            token = self.auth.token_from(
                request.headers.get("authorization"), request.cookies.get(SESSION_COOKIE)
            )
            user_id = self.auth.user_id(token)
            state.user_id = user_id
            resolved = await self.documents.resolve(graphql_request)
            document = resolved.document
            state.document_hash = document.hash
            if request.method == "GET" and self.admission.select(
                document, graphql_request.operation_name
            ).operation is not OperationType.QUERY:
                raise errors.RequestError(
                    errors.BAD_REQUEST, "Mutations must be sent with POST.", 405,
                    headers={"allow": "POST"},
                )
            operation = self.admission.operation(
                document, graphql_request.operation_name, graphql_request.variables
            )
            state.label = self.documents.label(resolved, operation.name)
            if request.method == "GET" and resolved.persisted:
                state.operation = operation
                state.if_none_match = request.headers.get("if-none-match")
            identity = await self._spend(request, operation, state)
            trace = TraceContext.from_header(request.headers.get("traceparent"))
            state.trace_id = trace.trace_id
            outcome = await self._execute(operation, graphql_request, deadline, trace, state)
            await self._account(operation, outcome, identity, state)
        except errors.RequestError as refusal:
            return self._refusal(refusal, media_type, state)
        except Exception:
            # A bug outside execution (execution masks its own): a coded 500, details logged.
            log.exception("unexpected error handling a request",
                          extra={"request_id": state.request_id})
            return self._refusal(
                errors.RequestError(errors.INTERNAL_SERVER_ERROR, "Internal server error.", 500),
                media_type, state,
            )
        return self._respond(outcome, media_type, state)

    async def _decode(self, request: Request) -> decode.GraphQLRequest:
        if request.method == "GET":
            self._guard_csrf(request)
            return decode.from_query_params(request.query_params)
        if request.method != "POST":
            raise errors.RequestError(
                errors.BAD_REQUEST, "Use GET or POST.", 405, headers={"allow": "GET, POST"}
            )
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";", 1)[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            if not media or media in ("text/plain", "multipart/form-data",
                                      "application/x-www-form-urlencoded"):
                self._guard_csrf(request)
            raise errors.RequestError(
                errors.BAD_REQUEST,
                "Send the request body as `Content-Type: application/json`.", 415,
            )
        body = await _read_body(request, self.settings.max_body_bytes)
        return decode.from_json_body(body)

    def _guard_csrf(self, request: Request) -> None:
        """Refuse what a browser could send cross-site without a CORS preflight."""
        headers = request.headers
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type == "application/json" or any(h in headers for h in _PREFLIGHT_HEADERS):
            return
        raise errors.RequestError(
            errors.BAD_REQUEST,
            "This request could be a cross-site request forgery: send "
            "`Content-Type: application/json` or an `Apollo-Require-Preflight` header.",
            400,
        )

    async def _spend(
        self, request: Request, operation: Operation, state: _RequestState
    ) -> str | None:
        """Take the operation's requested cost from the client's bucket, or refuse (429)."""
        metrics.QUERY_COST.observe(operation.cost)
        state.cost = {"requestedQueryCost": operation.cost, "actualQueryCost": operation.cost,
                      "maximumAvailable": self.settings.max_cost}
        if self.rate_limiter is None:
            return None
        identity = client_identity(
            state.user_id,
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            self.settings.trusted_proxies,
        )
        decision = await self.rate_limiter.spend(identity, operation.cost)
        state.cost["throttleStatus"] = decision.throttle_status(
            self.rate_limiter.capacity, self.rate_limiter.rate
        )
        if not decision.allowed:
            state.cost["actualQueryCost"] = 0
            raise errors.RequestError(
                errors.THROTTLED,
                f"Cost budget spent: this query costs {operation.cost}; retry in "
                f"{decision.retry_after_s} s.",
                429,
                headers={"retry-after": str(decision.retry_after_s)},
                response_extensions={"cost": state.cost},
            )
        return identity

    async def _account(
        self, operation: Operation, outcome: Outcome, identity: str | None,
        state: _RequestState,
    ) -> None:
        """Actual cost (lists as returned), and the unused part refunded to the bucket."""
        assert state.cost is not None
        actual = outcome.actual_cost
        state.cost["actualQueryCost"] = actual
        if self.rate_limiter is not None and identity is not None:
            left = await self.rate_limiter.refund(identity, operation.cost - actual)
            if left is not None:
                state.cost["throttleStatus"]["currentlyAvailable"] = int(left)

    async def _execute(
        self,
        operation: Operation,
        graphql_request: decode.GraphQLRequest,
        deadline: Deadline,
        trace: TraceContext,
        state: _RequestState,
    ) -> Outcome:
        scope = CallScope(state.request_id, deadline, trace, state.user_id)
        ctx = RequestContext(self.settings, scope, Loaders(self.upstream, scope))
        state.scope = scope
        return await run(self.schema, operation, graphql_request.variables, ctx,
                         planned=self.settings.planner == "on")

    def _respond(self, outcome: Outcome, media_type: str, state: _RequestState) -> Response:
        body: dict[str, Any] = {}
        if outcome.errors:
            body["errors"] = outcome.errors
        body["data"] = outcome.data
        extensions: dict[str, Any] = {}
        if state.cost is not None:
            extensions["cost"] = state.cost
        if outcome.degraded:
            extensions["degraded"] = {"components": outcome.degraded}
            state.degraded = list(outcome.degraded)
        if not self.settings.is_production and state.scope is not None:
            extensions["trace"] = {
                "calls": [
                    {
                        "component": c.component,
                        "ids": list(c.ids) if c.ids is not None else None,
                        "startMs": c.start_ms,
                        "durationMs": c.duration_ms,
                        "outcome": c.outcome,
                    }
                    for c in state.scope.calls
                ]
            }
        if extensions:
            body["extensions"] = extensions
        state.outcome = "degraded" if outcome.degraded else ("error" if outcome.errors else "ok")
        status = 200
        if state.operation is not None:
            return self._cacheable(body, outcome, media_type, state)
        return self._json(body, status, media_type, state)

    def _cacheable(
        self, body: dict[str, Any], outcome: Outcome, media_type: str, state: _RequestState
    ) -> Response:
        """A persisted GET: Cache-Control from the cache hints, a strong ETag, 304 on a match."""
        assert state.operation is not None
        freshness = cache_policy.Freshness(0, False)
        if not outcome.errors and not outcome.degraded and outcome.data is not None:
            freshness = account.freshness(
                state.operation.plan, outcome.data, signed_in=state.user_id is not None,
                private_max_age=cache_policy.private_max_age(self.settings.cache_private),
                max_ttl_s=self.settings.response_cache_max_ttl_s,
            )
        headers = {"cache-control": freshness.header(), "vary": cache_policy.VARY}
        if not freshness.cacheable:
            response = self._json(body, 200, media_type, state)
            response.headers.update(headers)
            return response
        # Cacheable bytes are shared by every client they are served to: no per-request trace,
        # and public ones no client's rate-limit bucket (HTTP.md).
        extensions = body.get("extensions", {})
        extensions.pop("trace", None)
        if not freshness.private and isinstance(extensions.get("cost"), dict):
            extensions["cost"].pop("throttleStatus", None)
        if not extensions:
            body.pop("extensions", None)
        content = orjson.dumps(body)
        headers["etag"] = cache_policy.etag(content)
        headers["x-request-id"] = state.request_id
        if cache_policy.matches(state.if_none_match, headers["etag"]):
            state.status = 304
            return Response(status_code=304, headers=headers)
        state.status = 200
        return Response(content, status_code=200, media_type=media_type, headers=headers)

    def _refusal(
        self, refusal: errors.RequestError, media_type: str, state: _RequestState
    ) -> Response:
        state.outcome = "error"
        if refusal.code in _REJECTIONS:
            metrics.REJECTED.labels(refusal.code).inc()
        status = refusal.status
        if media_type == negotiate.JSON and refusal.status_json is not None:
            status = refusal.status_json
        body: dict[str, Any] = {"errors": [refusal.as_graphql_error()]}
        if refusal.response_extensions:
            body["extensions"] = refusal.response_extensions
        response = self._json(body, status, media_type, state)
        response.headers.update(refusal.headers)
        return response

    def _json(
        self, body: dict[str, Any], status: int, media_type: str, state: _RequestState
    ) -> Response:
        state.status = status
        return Response(
            orjson.dumps(body),
            status_code=status,
            media_type=media_type,
            headers={"x-request-id": state.request_id, "cache-control": "no-store"},
        )

    def _finish(self, response: Response, state: _RequestState, started: float) -> Response:
        duration = time.monotonic() - started
        label = state.label or ANONYMOUS
        metrics.REQUESTS.labels(label, str(state.status), state.outcome).inc()
        metrics.REQUEST_DURATION.labels(label).observe(duration)
        log.info(
            "graphql request",
            extra={
                "request_id": state.request_id,
                "trace_id": state.trace_id,
                "operation": label,
                "document_hash": state.document_hash,
                "status": state.status,
                "duration_ms": round(duration * 1000, 2),
                "degraded": state.degraded,
                "user": _user_hash(state.user_id),
            },
        )
        return response


class _RequestState:
    """What the log line and metrics say about one request."""

    __slots__ = (
        "cost", "degraded", "document_hash", "if_none_match", "label", "operation", "outcome",
        "request_id", "scope", "status", "trace_id", "user_id",
    )

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.status = 500
        self.outcome = "error"
        self.trace_id: str | None = None
        self.document_hash: str | None = None
        self.user_id: str | None = None
        self.degraded: list[str] = []
        self.scope: CallScope | None = None
        self.label: str | None = None  # the persisted operation's name (metrics, logs)
        self.operation: Operation | None = None  # set for persisted GETs: HTTP-cacheable
        self.if_none_match: str | None = None
        self.cost: dict[str, Any] | None = None  # extensions.cost (Shopify's names)


def _rate_limiter(settings: Settings, redis: Any | None) -> RateLimiter | None:
    capacity, rate = settings.rate_limit_max_cost, settings.rate_limit_restore_rate
    if capacity is None or rate is None:
        return None
    buckets: Buckets = (
        RedisBuckets(redis, capacity, rate, settings.redis_key_prefix)
        if redis is not None else MemoryBuckets(capacity, rate)
    )
    return RateLimiter(buckets, capacity, rate, settings.rate_limit_fail_open)


def _user_hash(user_id: str | None) -> str | None:
    if user_id is None:
        return None
    return hashlib.sha256(user_id.encode()).hexdigest()[:16]


async def _read_body(request: Request, limit: int) -> bytes:
    too_large = errors.RequestError(
        errors.PAYLOAD_TOO_LARGE, f"The request body exceeds {limit} bytes.", 413
    )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
