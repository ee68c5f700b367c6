"""`/graphql`: the request pipeline of DESIGN.md, one stage after another.

edge (request id, load shedding, CSRF, body limit, identity, deadline) →
decode → resolve document → admit (and plan) → spend → execute → shape → respond.
Each stage hands the next an immutable value (`GraphQLRequest`, `Resolved`,
`Operation`, `Spent`, `Outcome`, `Answer`); every refusal is a `RequestError`
carrying its code and status. An operation with `@defer`, for a client that reads
`multipart/mixed`, is answered in parts (`app.incremental`): the request then ends
(in-flight count, metrics, log line) when its last part is sent.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import orjson
from graphql import GraphQLSchema, OperationType
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app import cache_policy, edge, errors, incremental, logs, metrics, response_cache
from app.admission import Admission, Operation, Prepared
from app.auth import SESSION_COOKIE, Authenticator
from app.cache_policy import Freshness
from app.context import RequestContext
from app.deadline import Deadline, budget_from_header, upstream_budget
from app.execution import run
from app.graphql_http import decode, negotiate
from app.graphql_http.fast_hit import FastHits, shared_response
from app.graphql_http.graphiql import GRAPHIQL_OFF, graphiql_page
from app.graphql_http.multipart import MultipartResponse
from app.limits import query_limits
from app.outcome import Outcome
from app.ratelimit import (
    Buckets,
    MemoryBuckets,
    RateLimiter,
    RedisBuckets,
    client_identity,
)
from app.response_cache import Key, ResponseCache
from app.settings import Settings
from app.tracing import RequestTrace, Tracing
from app.upstream import CallScope, UpstreamClient
from loaders import Loaders
from loaders.entity_cache import EntityCache
from persisted_queries.factory import build_resolver
from persisted_queries.resolver import Resolved
from planner import account

log = logging.getLogger(logs.REQUEST_LOGGER)

_PREFLIGHT_HEADERS = ("x-apollo-operation-name", "apollo-require-preflight", "x-requested-with")
ANONYMOUS = "anonymous"
# Refusals counted in bff_rejected_total (RUNNING.md): limits, throttling, load shedding.
_REJECTIONS = frozenset({
    errors.COST_ESTIMATED_TOO_EXPENSIVE, errors.MAX_DEPTH_LIMIT, errors.MAX_ALIASES_LIMIT,
    errors.MAX_ROOT_FIELDS_LIMIT, errors.MAX_TOKENS_LIMIT, errors.THROTTLED,
    errors.SERVICE_UNAVAILABLE, errors.PAYLOAD_TOO_LARGE,
})

_NOT_CACHEABLE = Freshness(0, False)


class GraphQLEndpoint:
    """Holds what lives for the process (schema, document cache, upstream client)."""

    def __init__(
        self,
        settings: Settings,
        schema: GraphQLSchema,
        upstream: UpstreamClient,
        redis: Any | None = None,
        cache: ResponseCache | None = None,
        entities: EntityCache | None = None,
        tracing: Tracing | None = None,
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
        self.cache = cache
        self.entities = entities
        self.fast_hits = FastHits(cache) if cache is not None and cache.local is not None \
            else None
        self.in_flight = 0
        self.tracing = tracing or Tracing()

    async def __call__(self, request: Request) -> Response:
        started = time.monotonic()
        if self.fast_hits is not None and request.method == "GET":
            served = self.fast_hits.serve(request.scope)
            if served is not None:
                response, status, alias, request_id = served
                headers = request.headers
                trace = self.tracing.near_hit(headers.get("traceparent"),
                                              headers.get("tracestate"))
                self._finish(Answer(response, status, "ok", ()),
                             Known(request_id, None, alias.document_hash, alias.label, trace,
                                   response_cache.HIT, "GET"), started)
                return response
        request_id = edge.request_id(request.headers.get("x-request-id"))
        accept = request.headers.get("accept")
        if request.method == "GET" and negotiate.wants_html(accept):
            if self.settings.graphiql_enabled:
                return HTMLResponse(graphiql_page(), headers={"x-request-id": request_id})
            if not request.url.query:  # a browser opening /graphql, not a GraphQL GET
                return HTMLResponse(GRAPHIQL_OFF, status_code=406, headers={
                    "x-request-id": request_id, "cache-control": "no-store"})
        headers = request.headers
        known = Known(request_id, trace=self.tracing.request(
            headers.get("traceparent"), headers.get("tracestate"), request.method),
            method=request.method)
        if self.in_flight >= self.settings.max_in_flight:
            busy = errors.RequestError(
                errors.SERVICE_UNAVAILABLE, "The server is busy; retry shortly.", 503,
                headers={"retry-after": "1"},
            )
            answer = self._refusal(busy, negotiate.JSON, known)
        else:
            self.in_flight += 1
            metrics.IN_FLIGHT.inc()
            streamed = False
            try:
                known, answer = await self._handle(request, accept, known, started)
                streamed = answer.streamed
            finally:
                if not streamed:  # a streamed answer leaves when its last part is sent
                    self._leave()
            if streamed:
                return answer.response
        self._finish(answer, known, started)
        return answer.response

    def _leave(self) -> None:
        self.in_flight -= 1
        metrics.IN_FLIGHT.dec()

    async def _handle(
        self, request: Request, accept: str | None, known: Known, started: float
    ) -> tuple[Known, Answer]:
        """The stages, each handing the next an immutable value; a refusal ends them.

        With the response cache on, a query's answer is looked up once its operation is
        chosen and its variables coerced (its key), before its cost is checked and spent:
        a hit is answered from the stored bytes; a complete, cacheable answer executed
        here is stored before it is sent. An operation with `@defer` is never cached,
        even when answered whole.
        """
        media_type = negotiate.JSON
        trace = known.trace
        assert trace is not None
        cache, key, lookup = self.cache, None, None
        if_none_match = request.headers.get("if-none-match")
        try:
            media_type = negotiate.response_media_type(accept)
            deadline = Deadline(upstream_budget(budget_from_header(
                request.headers.get("x-request-timeout-ms"),
                self.settings.default_timeout_ms,
                self.settings.max_timeout_ms,
            )))
            graphql_request = await self._decode(request)
            user_id = self.auth.user_id(self.auth.token_from(
                request.headers.get("authorization"), request.cookies.get(SESSION_COOKIE)
            ))
            known = replace(known, user_id=user_id)
            resolving = time.time_ns()
            resolved = await self.documents.resolve(graphql_request)
            compiled = resolved.document.compiled_ns
            if compiled[0] >= resolving:  # parsed and validated for this request, not cached
                trace.admitted(*compiled)
            known = replace(known, document_hash=resolved.document.hash)
            prepared = self._prepare(request.method, graphql_request, resolved)
            trace.describe(prepared.name, prepared.node.operation.value, resolved.document.hash)
            known = replace(known, label=self.documents.label(resolved, prepared.name))
            deferred = prepared.plan.deferred
            http_cacheable = request.method == "GET" and resolved.persisted and not deferred
            if cache is not None and not deferred:
                key = cache.key(resolved.document.hash, prepared.name,
                                prepared.variables.coerced, prepared.plan, user_id)
            if cache is not None and key is not None:
                lookup = await cache.lookup(key, deadline)
                found = lookup.entry
                if http_cacheable and lookup.state != response_cache.MISS:
                    self._learn(request, cache, key, known)
                if found is not None:
                    if lookup.state == response_cache.STALE:
                        cache.revalidate(key, partial(self._refill, prepared, graphql_request))
                    known = replace(known, cache=lookup.state)
                    return known, self._shared(
                        found.body, found.etag, found.freshness, media_type, known,
                        http_cacheable, if_none_match, lookup.state, found.age(time.time()))
            operation = self.admission.admit(prepared)
            spent = await self._spend(request, operation, user_id)
            scope = CallScope(known.request_id, deadline, trace, user_id)
            in_parts = deferred and negotiate.accepts_multipart(accept)
            trace.begin_execution()
            try:
                executed = await self._execute(operation, graphql_request, scope,
                                               in_parts=in_parts)
            finally:
                trace.end_execution()
            if isinstance(executed, incremental.Deferred):
                return known, self._in_parts(executed, operation, spent, scope, known, started)
            outcome = executed
            if cache is not None and user_id is not None \
                    and operation.kind is OperationType.MUTATION:
                await cache.invalidate_user(user_id)  # the user's data may have changed
            cost = await self._account(operation, outcome, spent)
            trace.executed(operation.cost, outcome.actual_cost, _fallbacks(outcome))
            freshness = self._freshness(outcome, operation, user_id is not None) \
                if http_cacheable or key is not None else _NOT_CACHEABLE
            shared = self._shareable(outcome, cost, freshness)
            if cache is not None and key is not None and lookup is not None \
                    and shared is not None and (key.private or not freshness.private):
                await cache.store(key, lookup, cache.entry(*shared))
                known = replace(known, cache=response_cache.MISS)
                if http_cacheable:
                    self._learn(request, cache, key, known)
        except errors.RequestError as refusal:
            return known, self._refusal(refusal, media_type, known)
        except Exception:
            # A bug outside execution (execution masks its own): a coded 500, details logged.
            log.exception("unexpected error handling a request",
                          extra={"request_id": known.request_id})
            bug = errors.RequestError(errors.INTERNAL_SERVER_ERROR, "Internal server error.", 500)
            return known, self._refusal(bug, media_type, known)
        finally:
            if cache is not None and key is not None and lookup is not None:
                cache.release(key, lookup)
        if shared is not None and (http_cacheable or known.cache is not None):
            return known, self._shared(*shared, media_type, known, http_cacheable,
                                       if_none_match, known.cache, None)
        answer = self._respond(outcome, cost, scope, media_type, known)
        if http_cacheable:
            answer.response.headers.update(
                {"cache-control": freshness.header(), "vary": cache_policy.VARY})
        return known, answer

    @staticmethod
    def _learn(request: Request, cache: ResponseCache, key: Key, known: Known) -> None:
        """An anonymous persisted GET with a public answer: its query string may name that
        answer from now on (`FastHits`)."""
        headers = request.headers
        if key.user is None and "authorization" not in headers and "cookie" not in headers:
            assert known.document_hash is not None
            cache.learn(request.scope["query_string"], key, known.label, known.document_hash)

    def _prepare(
        self, method: str, graphql_request: decode.GraphQLRequest, resolved: Resolved
    ) -> Prepared:
        document = resolved.document
        if method == "GET" and self.admission.select(
            document, graphql_request.operation_name
        ).operation is not OperationType.QUERY:
            raise errors.RequestError(
                errors.BAD_REQUEST, "Mutations must be sent with POST.", 405,
                headers={"allow": "POST"},
            )
        return self.admission.prepare(
            document, graphql_request.operation_name, graphql_request.variables
        )

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
        self, request: Request, operation: Operation, user_id: str | None
    ) -> Spent:
        """Take the operation's requested cost from the client's bucket, or refuse (429)."""
        metrics.QUERY_COST.observe(operation.cost)
        if self.rate_limiter is None:
            return Spent(operation.cost, None, None)
        identity = client_identity(
            user_id,
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            self.settings.trusted_proxies,
        )
        decision = await self.rate_limiter.spend(identity, operation.cost)
        throttle = decision.throttle_status(self.rate_limiter.capacity, self.rate_limiter.rate)
        if not decision.allowed:
            raise errors.RequestError(
                errors.THROTTLED,
                f"Cost budget spent: this query costs {operation.cost}; retry in "
                f"{decision.retry_after_s} s.",
                429,
                headers={"retry-after": str(decision.retry_after_s)},
                response_extensions={"cost": self._cost(operation.cost, 0, throttle)},
            )
        return Spent(operation.cost, identity, throttle)

    async def _account(self, operation: Operation, outcome: Outcome, spent: Spent
                       ) -> dict[str, Any]:
        """`extensions.cost`: actual cost (lists as returned), the unused part refunded."""
        throttle = spent.throttle
        if self.rate_limiter is not None and spent.identity is not None:
            left = await self.rate_limiter.refund(spent.identity,
                                                  operation.cost - outcome.actual_cost)
            if left is not None and throttle is not None:
                throttle = {**throttle, "currentlyAvailable": int(left)}
        return self._cost(operation.cost, outcome.actual_cost, throttle)

    def _cost(self, requested: int, actual: int, throttle: dict[str, Any] | None
              ) -> dict[str, Any]:
        cost: dict[str, Any] = {"requestedQueryCost": requested, "actualQueryCost": actual,
                                "maximumAvailable": self.settings.max_cost}
        if throttle is not None:
            cost["throttleStatus"] = throttle
        return cost

    async def _execute(
        self, operation: Operation, graphql_request: decode.GraphQLRequest, scope: CallScope,
        *, in_parts: bool = False,
    ) -> Outcome | incremental.Deferred:
        ctx = RequestContext(self.settings, scope, Loaders(self.upstream, scope, self.entities))
        if in_parts:
            return await incremental.start(self.schema, operation, graphql_request.variables,
                                           ctx)
        return await run(self.schema, operation, graphql_request.variables, ctx,
                         planned=self.settings.planner == "on")

    def _extensions(
        self, outcome: Outcome, cost: dict[str, Any], scope: CallScope
    ) -> dict[str, Any]:
        """`extensions`: cost, degraded components, and the development trace."""
        extensions: dict[str, Any] = {"cost": cost}
        if outcome.degraded:
            extensions["degraded"] = {"components": outcome.degraded}
        if not self.settings.is_production:
            extensions["trace"] = {
                "traceId": scope.trace.trace_id,
                "calls": [
                    {
                        "component": c.component,
                        "ids": list(c.ids) if c.ids is not None else None,
                        "startMs": c.start_ms,
                        "durationMs": c.duration_ms,
                        "outcome": c.outcome,
                    }
                    for c in scope.calls
                ]
            }
        return extensions

    def _respond(
        self, outcome: Outcome, cost: dict[str, Any], scope: CallScope, media_type: str,
        known: Known,
    ) -> Answer:
        """The answer made for this request alone (errors, degradation, development trace)."""
        body: dict[str, Any] = {}
        if outcome.errors:
            body["errors"] = outcome.errors
        body["data"] = outcome.data
        body["extensions"] = self._extensions(outcome, cost, scope)
        return self._json(body, 200, media_type, known, _label(outcome),
                          tuple(outcome.degraded), _codes(outcome.errors))

    def _in_parts(
        self, run: incremental.Deferred, operation: Operation, spent: Spent, scope: CallScope,
        known: Known, started: float,
    ) -> Answer:
        """A multipart answer: the initial part now, the deferred ones as they complete, and
        a last part of its own, `{"hasNext": false, "extensions"}` (cost, degraded
        components, trace), once they are known: clients merge the extensions of a part
        without `incremental` (Apollo Client ignores them beside it). Never cached."""

        ended = False

        def end() -> None:
            """The request is over (counted, logged, out of the in-flight count): before the
            last part leaves, or when the stream stops short of it."""
            nonlocal ended
            if ended:
                return
            ended = True
            self._leave()
            outcome = run.outcome
            self._finish(Answer(response, 200, _label(outcome), tuple(outcome.degraded),
                                _codes(outcome.errors)), known, started)

        async def payloads() -> AsyncGenerator[dict[str, Any], None]:
            yield run.initial
            try:
                async for payload in run.parts():
                    if payload["hasNext"]:
                        yield payload
                        continue
                    if "incremental" in payload:
                        yield {**payload, "hasNext": True}
                    cost = await self._account(operation, run.outcome, spent)
                    scope.trace.executed(operation.cost, run.outcome.actual_cost,
                                         _fallbacks(run.outcome))
                    last = {"hasNext": False,
                            "extensions": self._extensions(run.outcome, cost, scope)}
                    end()
                    yield last
            except Exception:
                log.exception("unexpected error delivering deferred parts",
                              extra={"request_id": known.request_id})
                bug = errors.RequestError(errors.INTERNAL_SERVER_ERROR, "Internal server error.",
                                          500)
                run.outcome.errors.append(bug.as_graphql_error())
                end()
                yield {"errors": [bug.as_graphql_error()], "hasNext": False}

        async def closed() -> None:
            try:
                await run.aclose()
            finally:
                end()

        response = MultipartResponse(
            payloads(), {"x-request-id": known.request_id, "cache-control": "no-store"}, closed,
        )
        return Answer(response, 200, "ok", (), streamed=True)

    def _freshness(self, outcome: Outcome, operation: Operation, signed_in: bool) -> Freshness:
        """How long the answer may be cached, and by whom (never with errors or degraded)."""
        if outcome.errors or outcome.degraded or outcome.data is None:
            return _NOT_CACHEABLE
        return account.freshness(
            operation.plan, outcome.data, signed_in=signed_in,
            private_max_age=cache_policy.private_max_age(self.settings.cache_private),
            max_ttl_s=self.settings.response_cache_max_ttl_s,
        )

    @staticmethod
    def _shareable(outcome: Outcome, cost: dict[str, Any], freshness: Freshness
                   ) -> tuple[bytes, str, Freshness] | None:
        """A cacheable answer's bytes and ETag. They are served again (by the response cache,
        browsers, CDNs), so nothing of this request's is in them: no development trace, no
        client's rate-limit bucket (HTTP.md)."""
        if not freshness.cacheable:
            return None
        shared_cost = {name: value for name, value in cost.items() if name != "throttleStatus"}
        content = orjson.dumps({"data": outcome.data, "extensions": {"cost": shared_cost}})
        return content, cache_policy.etag(content), freshness

    def _shared(
        self, content: bytes, etag: str, freshness: Freshness, media_type: str, known: Known,
        http_cacheable: bool, if_none_match: str | None, x_cache: str | None, age: int | None,
    ) -> Answer:
        response, status = shared_response(
            content, etag, freshness, media_type, known.request_id,
            http_cacheable=http_cacheable, if_none_match=if_none_match, x_cache=x_cache,
            age=age)
        return Answer(response, status, "ok", ())

    async def _refill(self, prepared: Prepared, graphql_request: decode.GraphQLRequest
                      ) -> tuple[bytes, str, Freshness] | None:
        """A stale public entry's revalidation: the operation executed again, anonymously
        (a public answer is everyone's), under a budget of its own."""
        operation = self.admission.admit(prepared)
        trace = self.tracing.background()
        scope = CallScope(edge.request_id(None), Deadline(upstream_budget(
            self.settings.default_timeout_ms)), trace, None)
        try:
            outcome = await self._execute(operation, graphql_request, scope)
        finally:
            trace.finish(200, "revalidated", (), None)
        assert isinstance(outcome, Outcome)  # never in parts
        cost = self._cost(operation.cost, outcome.actual_cost, None)
        return self._shareable(outcome, cost, self._freshness(outcome, operation, False))

    def _refusal(
        self, refusal: errors.RequestError, media_type: str, known: Known
    ) -> Answer:
        if refusal.code in _REJECTIONS:
            metrics.REJECTED.labels(refusal.code).inc()
        status = refusal.status
        if media_type == negotiate.JSON and refusal.status_json is not None:
            status = refusal.status_json
        body: dict[str, Any] = {"errors": [refusal.as_graphql_error()]}
        if refusal.response_extensions:
            body["extensions"] = refusal.response_extensions
        answer = self._json(body, status, media_type, known, "error", (), (refusal.code,))
        answer.response.headers.update(refusal.headers)
        return answer

    def _json(
        self, body: dict[str, Any], status: int, media_type: str, known: Known, outcome: str,
        degraded: tuple[str, ...], codes: tuple[str, ...] = (),
    ) -> Answer:
        response = Response(
            orjson.dumps(body),
            status_code=status,
            media_type=media_type,
            headers={"x-request-id": known.request_id, "cache-control": "no-store"},
        )
        return Answer(response, status, outcome, degraded, codes)

    def _finish(self, answer: Answer, known: Known, started: float) -> None:
        duration = time.monotonic() - started
        label = known.label or ANONYMOUS
        metrics.REQUESTS.labels(label, str(answer.status), answer.outcome).inc()
        metrics.REQUEST_DURATION.labels(label).observe(duration)
        trace = known.trace
        if trace is not None:
            trace.finish(answer.status, answer.outcome, answer.degraded, known.cache)
        log.info(
            logs.REQUEST_LINE,
            extra={
                "request_id": known.request_id,
                "method": known.method,
                "trace_id": trace.trace_id if trace is not None else None,
                "span_id": trace.span_id if trace is not None else None,
                "operation": label,
                "document_hash": known.document_hash,
                "status": answer.status,
                "duration_ms": round(duration * 1000, 2),
                "degraded": list(answer.degraded),
                "cache": known.cache,
                "errors": list(answer.codes),
                "user": _user_hash(known.user_id),
            },
        )


@dataclass(frozen=True, slots=True)
class Known:
    """What the log line and metrics say about one request, as far as its stages got."""

    request_id: str
    user_id: str | None = None
    document_hash: str | None = None
    label: str | None = None  # the persisted operation's name (metrics, logs)
    trace: RequestTrace | None = None  # None only for a near-cache hit with tracing off
    cache: str | None = None  # X-Cache: HIT, MISS or STALE; None when not cacheable
    method: str | None = None


@dataclass(frozen=True, slots=True)
class Spent:
    """The requested cost taken from the client's bucket (none without rate limiting)."""

    requested: int
    identity: str | None
    throttle: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Answer:
    response: Response
    status: int
    outcome: str  # ok, degraded or error (bff_requests_total)
    degraded: tuple[str, ...]
    codes: tuple[str, ...] = ()
    """The error codes the answer carries, each once (the log line says why a request failed)."""
    streamed: bool = False
    """Sent in parts: counted and logged by the response itself, when its last part is sent."""


def _fallbacks(outcome: Outcome) -> tuple[str, ...]:
    return tuple(component for component, state in outcome.degraded.items()
                 if state.get("status") == "fallback")


def _codes(graphql_errors: list[dict[str, Any]]) -> tuple[str, ...]:
    codes = (error.get("extensions", {}).get("code") for error in graphql_errors)
    return tuple(dict.fromkeys(code for code in codes if isinstance(code, str)))


def _label(outcome: Outcome) -> str:
    """The outcome label of bff_requests_total."""
    return "degraded" if outcome.degraded else ("error" if outcome.errors else "ok")


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
