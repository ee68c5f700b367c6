"""The one way the BFF talks to a downstream service.

Every call: times out at min(per-service timeout, the request's remaining
budget), carries the UPSTREAMS.md headers, passes a per-service bulkhead and
circuit breaker, is counted and timed, and turns every failure into a
`DependencyError` that names the component and never the host.

The HTTP exchange itself is `app.upstream_http` (pooled keep-alive HTTP/1.1
on asyncio and llhttp): httpx, even over aiohttp's transport, cost five to
six times its CPU per call, aiohttp used directly about twice
(`python -m bench.upstream_client`, README, Performance).

The shared client keeps no cookies: a service's `Set-Cookie` is never
stored or even read, so nothing one service says for one request is sent on
another's, and no `Cookie` header ever goes upstream (a `cookie` passed in
`headers` is dropped too).

No call starts with less than `BFF_UPSTREAM_MIN_BUDGET_MS` of the request's
budget left: it could not succeed, so the field is DEADLINE_EXCEEDED at once.
A read whose one attempt failed on a refused or reset connection or a 502,
503 or 504 may go once more (`app.retry`: room left, `Retry-After`, the
service's retry budget); writes are sent once, whatever happens.

A call's verdict includes reading its answer: `send(..., read=...)` decodes
the body inside the call, so a 200 that is not JSON or not the documented
shape is a DEPENDENCY_ERROR in the metrics, the trace and the breaker alike.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload
from urllib.parse import urlencode, urlsplit

import msgspec
import orjson
from msgspec.json import Decoder
from prometheus_client import Counter, Histogram

from app import errors, metrics, retry
from app.breaker import CLOSED, Breaker
from app.deadline import Deadline
from app.settings import Settings, UpstreamSettings
from app.tracing import Call, RequestTrace
from app.upstream_http import Answer, ClosedEarly, Origin, tls_context

T = TypeVar("T")

log = logging.getLogger("bff.upstream")

_UNAVAILABLE_STATUSES = frozenset({429, 502, 503, 504})
_TRANSIENT_STATUSES = frozenset({502, 503, 504})
"""Statuses a read is retried on (429 is not: the service asked for less traffic)."""
CANCELLED = "cancelled"
"""Outcome of an attempt abandoned by the BFF itself (the slower of a hedged pair)."""
_OK = frozenset({200})
_USER_AGENT = "storefront-bff"
FIRST, RETRY, HEDGE = "first", "retry", "hedge"
"""An attempt's kind, on its span."""


@dataclass(slots=True)
class CallRecord:
    """One upstream call, as the development trace extension shows it."""

    component: str
    ids: Sequence[str] | None
    start_ms: float
    duration_ms: float
    outcome: str


@dataclass(slots=True)
class CallScope:
    """What every upstream call needs to know about the client request it serves."""

    request_id: str
    deadline: Deadline
    trace: RequestTrace
    user_id: str | None = None
    started_at: float = field(default_factory=time.monotonic)
    calls: list[CallRecord] = field(default_factory=list)


@dataclass(slots=True)
class UpstreamResponse:
    status: int
    content: bytes


class Transient(errors.DependencyError):
    """A failure a second attempt of a read may fix: a refused or reset connection (or
    one closed before a whole answer), or a 502, 503 or 504 (with its `Retry-After`)."""

    retry_after: str | None = None


def _as_is(response: UpstreamResponse) -> UpstreamResponse:
    return response


def _transient_connection(exc: OSError) -> bool:
    """Refused, reset or closed early; not a malformed answer or an unresolvable host."""
    return isinstance(exc, ConnectionRefusedError | ConnectionResetError | ClosedEarly)


class Bulkhead:
    """Calls in flight to one service; beyond the limit a call fails at once."""

    __slots__ = ("in_flight", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0


def _without_cookie(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() != "cookie"}


class _Route:
    """Where a component's calls go: its origin's connection pool and its base path."""

    __slots__ = ("origin", "prefix")

    def __init__(self, origin: Origin, prefix: str) -> None:
        self.origin = origin
        self.prefix = prefix


def _routes(services: Mapping[str, UpstreamSettings]) -> dict[str, _Route]:
    """One connection pool per origin (the demo serves all ten services from one)."""
    tls = tls_context() if any((s.url or "").startswith("https:") for s in services.values()) \
        else None
    origins: dict[str, Origin] = {}
    routes: dict[str, _Route] = {}
    for name, service in services.items():
        parts = urlsplit(service.url or "")  # no URL: its calls fail, DEPENDENCY_UNAVAILABLE
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in origins:
            origins[key] = Origin(key, tls)
        routes[name] = _Route(origins[key], parts.path)
    return routes


class UpstreamClient:
    """One pooled HTTP client per process, shared by every request."""

    def __init__(self, settings: Settings) -> None:
        self._services: dict[str, UpstreamSettings] = settings.upstreams
        self._bulkheads = {name: Bulkhead(s.max_concurrency) for name, s in self._services.items()}
        self._hedging = settings.hedging == "on"
        self._latency = {name: RecentLatency() for name in self._services}
        self._breakers = {
            name: Breaker(name, settings.breaker_min_calls, settings.breaker_failure_rate,
                          settings.breaker_open_ms / 1000.0)
            for name in self._services
        }
        self._retries = settings.retries == "on"
        self._retry_budgets = {name: retry.RetryBudget(settings.retry_budget)
                               for name in self._services}
        self._floor_s = settings.upstream_min_budget_ms / 1000.0
        self._token = f"Bearer {settings.service_token}"
        self._routes = _routes(self._services)
        # Metric children looked up once per component, not once per call.
        self._ok_calls: dict[str, Counter] = {}
        self._durations: dict[str, Histogram] = {}

    async def aclose(self) -> None:
        for origin in {id(r.origin): r.origin for r in self._routes.values()}.values():
            origin.close()

    def max_batch(self, component: str) -> int:
        return self._services[component].max_batch

    async def get_json(
        self,
        component: str,
        path: str,
        params: Mapping[str, str],
        scope: CallScope,
        shape: Decoder[T],
        *,
        ids: Sequence[str] | None = None,
    ) -> T:
        """GET a 200 JSON answer and decode it into its documented shape."""
        return await self.send(component, "GET", path, scope, params=params, ids=ids,
                               read=functools.partial(_decoded, component, shape))

    @overload
    async def send(
        self, component: str, method: str, path: str, scope: CallScope, *,
        params: Mapping[str, str] | None = ..., json: Any = ...,
        headers: Mapping[str, str] | None = ..., ids: Sequence[str] | None = ...,
        expect: frozenset[int] = ...,
    ) -> UpstreamResponse: ...

    @overload
    async def send(
        self, component: str, method: str, path: str, scope: CallScope, *,
        params: Mapping[str, str] | None = ..., json: Any = ...,
        headers: Mapping[str, str] | None = ..., ids: Sequence[str] | None = ...,
        expect: frozenset[int] = ..., read: Callable[[UpstreamResponse], T],
    ) -> T: ...

    async def send(
        self,
        component: str,
        method: str,
        path: str,
        scope: CallScope,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        ids: Sequence[str] | None = None,
        expect: frozenset[int] = _OK,
        read: Callable[[UpstreamResponse], Any] = _as_is,
    ) -> Any:
        """Send one request; statuses outside `expect` become dependency errors.

        `read` turns an expected answer into the caller's value inside the call
        (decoding it: a `DependencyError` it raises fails the call). With hedging
        on, a read that has not answered by the service's recent p95 gets one
        identical second attempt; the first good answer wins and the other
        attempt is cancelled. A read that was not hedged and failed transiently
        may be retried once (`app.retry`). Writes are never hedged nor retried.
        """
        route = self._routes[component]
        # Built once per call, not per (hedged or retried) attempt.
        target = f"{route.prefix}{path}?{urlencode(params, safe=',')}" if params \
            else f"{route.prefix}{path}"
        content = orjson.dumps(json) if json is not None else None
        extra = _without_cookie(headers) if headers else None
        attempt = functools.partial(
            self._attempt, component, method, route.origin, target, scope, content, extra,
            ids, expect, read,
        )
        budget = self._retry_budgets[component]
        budget.record_call()
        if method != "GET":
            return await attempt()
        hedged = False
        try:
            delay = self._latency[component].hedge_delay_s() if self._hedging else None
            if delay is None or delay >= scope.deadline.remaining_s() - self._floor_s:
                return await attempt()

            def on_hedge() -> None:
                nonlocal hedged
                hedged = True
                metrics.HEDGES.labels(component).inc()

            return await _hedged(attempt, delay, on_hedge,
                                 functools.partial(attempt, 2, HEDGE))
        except Transient as failure:
            if hedged or not self._retries or self._breakers[component].state != CLOSED:
                raise
            decision = retry.decide(scope.deadline.remaining_s(), self._floor_s,
                                    failure.retry_after, budget)
            metrics.RETRIES.labels(component, decision.verdict).inc()
            if decision.verdict != retry.SENT:
                raise
        await asyncio.sleep(decision.wait_s)
        return await attempt(2, RETRY)

    async def _attempt(
        self,
        component: str,
        method: str,
        origin: Origin,
        target: str,
        scope: CallScope,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        ids: Sequence[str] | None,
        expect: frozenset[int],
        read: Callable[[UpstreamResponse], Any],
        number: int = 1,
        kind: str = FIRST,
    ) -> Any:
        """One attempt (`number`, `kind`: first, retry or hedge; a span of its own): budget,
        bulkhead and breaker checks, the call, its answer read, its verdict."""
        service = self._services[component]
        bulkhead = self._bulkheads[component]
        started = time.monotonic()
        remaining = scope.deadline.remaining_s()
        service_timeout = service.timeout_ms / 1000.0
        call = scope.trace.call(component, method, len(ids) if ids is not None else None,
                                int(remaining * 1000), int(min(service_timeout, remaining) * 1000),
                                number, kind)
        if remaining < self._floor_s:  # a call that cannot succeed is not sent
            raise self._fail(scope, component, ids, started, call, errors.DEADLINE_EXCEEDED,
                             "under the minimum budget")
        if bulkhead.in_flight >= bulkhead.limit:
            raise self._fail(scope, component, ids, started, call,
                             errors.DEPENDENCY_UNAVAILABLE, "full")
        breaker = self._breakers[component]
        if not breaker.allow():
            raise self._fail(scope, component, ids, started, call, errors.CIRCUIT_OPEN, "open")
        deadline_bound = remaining < service_timeout
        request_headers = {
            "authorization": self._token,
            "x-request-id": scope.request_id,
            # The budget checked against the floor above, so a service never gets less.
            "x-request-timeout-ms": str(int(remaining * 1000)),
            "accept": "application/json",
            "user-agent": _USER_AGENT,
        }
        call.propagate(request_headers)  # traceparent: this attempt's span
        if scope.user_id is not None:
            request_headers["x-user-id"] = scope.user_id
        if headers:
            request_headers.update(headers)
        if content is not None:
            request_headers["content-type"] = "application/json"
        bulkhead.in_flight += 1
        # Did the service fail? None: no verdict (our deadline); False: not yet known (the
        # answer is still to be read, below).
        verdict: bool | None = None
        answer: Answer
        try:
            async with asyncio.timeout(min(service_timeout, remaining)):
                answer = await origin.exchange(method, target, request_headers, content)
            verdict = answer.status not in expect
        except TimeoutError:
            code = errors.DEADLINE_EXCEEDED if deadline_bound else errors.DEPENDENCY_TIMEOUT
            verdict = True if code == errors.DEPENDENCY_TIMEOUT else None
            raise self._fail(scope, component, ids, started, call, code, "timed out") from None
        except OSError as exc:  # refused, reset, closed early, malformed (UpstreamHTTPError)
            verdict = True
            raise self._fail(
                scope, component, ids, started, call, errors.DEPENDENCY_UNAVAILABLE,
                type(exc).__name__, transient=_transient_connection(exc),
            ) from None
        except asyncio.CancelledError:  # a hedge's loser: attempted, so counted
            self._record(scope, component, ids, started, call, CANCELLED)
            raise
        finally:
            bulkhead.in_flight -= 1
            if verdict is None:
                breaker.release_probe()
            elif verdict:
                breaker.record(True)
        status = answer.status
        if status not in expect:
            code = (
                errors.DEPENDENCY_UNAVAILABLE
                if status in _UNAVAILABLE_STATUSES
                else errors.DEPENDENCY_ERROR
            )
            raise self._fail(scope, component, ids, started, call, code, f"HTTP {status}",
                             transient=status in _TRANSIENT_STATUSES,
                             retry_after=answer.retry_after)
        try:
            value = read(UpstreamResponse(status, answer.body))
        except errors.DependencyError as bad:  # not the documented answer: the service failed
            breaker.record(True)
            self._record(scope, component, ids, started, call, bad.code)
            raise
        except Exception:  # the caller's verdict on a good answer (a refused cursor, say)
            breaker.record(False)
            self._record(scope, component, ids, started, call, "ok")
            raise
        breaker.record(False)
        self._record(scope, component, ids, started, call, "ok")
        self._latency[component].add(time.monotonic() - started)
        return value

    def _record(
        self,
        scope: CallScope,
        component: str,
        ids: Sequence[str] | None,
        started: float,
        call: Call,
        outcome: str,
    ) -> None:
        call.end(outcome, cancelled=outcome == CANCELLED)
        now = time.monotonic()
        duration = now - started
        if outcome == "ok":
            calls = self._ok_calls.get(component)
            if calls is None:
                calls = self._ok_calls[component] = metrics.UPSTREAM_CALLS.labels(component, "ok")
            calls.inc()
        else:
            metrics.UPSTREAM_CALLS.labels(component, outcome).inc()
        histogram = self._durations.get(component)
        if histogram is None:
            histogram = self._durations[component] = metrics.UPSTREAM_DURATION.labels(component)
        histogram.observe(duration)
        scope.calls.append(
            CallRecord(
                component,
                ids,
                round((started - scope.started_at) * 1000, 2),
                round(duration * 1000, 2),
                outcome,
            )
        )

    def _fail(
        self,
        scope: CallScope,
        component: str,
        ids: Sequence[str] | None,
        started: float,
        call: Call,
        code: str,
        detail: str,
        *,
        transient: bool = False,
        retry_after: str | None = None,
    ) -> errors.DependencyError:
        self._record(scope, component, ids, started, call, code)
        log.warning(
            "upstream call failed",
            extra={"request_id": scope.request_id, "component": component, "code": code,
                   "detail": detail, "trace_id": scope.trace.trace_id,
                   "span_id": call.span_id},
        )
        if not transient:
            return errors.DependencyError(component, code, detail)
        failure = Transient(component, code, detail)
        failure.retry_after = retry_after
        return failure


HEDGE_FLOOR_S = 0.005
HEDGE_MIN_SAMPLES = 20


class RecentLatency:
    """A service's recent successful call durations (per process: instance health)."""

    __slots__ = ("_calls", "_delay", "_samples")

    def __init__(self) -> None:
        self._samples: deque[float] = deque(maxlen=200)
        self._calls = 0
        self._delay: float | None = None

    def add(self, seconds: float) -> None:
        self._samples.append(seconds)
        self._calls += 1
        if self._calls % 20 == 0:
            self._delay = None

    def hedge_delay_s(self) -> float | None:
        """The p95 of recent calls (recomputed every 20 calls); None before enough samples."""
        if len(self._samples) < HEDGE_MIN_SAMPLES:
            return None
        if self._delay is None:
            ordered = sorted(self._samples)
            self._delay = max(HEDGE_FLOOR_S, ordered[int(len(ordered) * 0.95) - 1])
        return self._delay


async def _hedged(
    attempt: Callable[[], Awaitable[T]], delay: float, on_hedge: Callable[[], None],
    second: Callable[[], Awaitable[T]] | None = None,
) -> T:
    """`attempt()`; when it has not answered after `delay`, `second()` (by default the
    same) too: the first good answer wins."""
    first = asyncio.ensure_future(attempt())
    pending: set[asyncio.Future[T]] = {first}
    try:
        done, pending = await asyncio.wait(pending, timeout=delay)
        if done:
            return first.result()
        on_hedge()
        pending.add(asyncio.ensure_future((second or attempt)()))
        failure: BaseException | None = None
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for finished in done:
                error = finished.exception()
                if error is None:
                    return finished.result()
                failure = failure or error
        assert failure is not None
        raise failure
    finally:
        for task in pending:
            task.cancel()
            task.add_done_callback(_retrieve)


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


def _decoded(component: str, shape: Decoder[T], response: UpstreamResponse) -> T:
    return decode(component, shape, response.content)


def decode(component: str, shape: Decoder[T], content: bytes) -> T:
    """Decode an upstream body; anything not of the documented shape is DEPENDENCY_ERROR.

    Only the error location is logged, never a value: msgspec's messages may
    quote the offending value (an unknown enum member, say), and upstream-only
    fields must not reach logs either.
    """
    try:
        return shape.decode(content)
    except msgspec.ValidationError as exc:
        where = _location(str(exc))
    except msgspec.DecodeError:
        where = "json"
    log.warning("upstream answer of unexpected shape", extra={"component": component,
                                                               "where": where})
    raise errors.DependencyError(component, errors.DEPENDENCY_ERROR, "bad shape")


_AT = re.compile(r" - at `\$([^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(\w+)`")
_INDEX = re.compile(r"\[(\d+)\]")


def _location(message: str) -> str:
    """`Expected `int`, got `str` - at `$.products[0].images`` → `products.0.images`.

    The path holds only declared field names and list indices; the rest of the
    message (which may quote the value) is dropped.
    """
    found = _AT.search(message)
    path = _INDEX.sub(r".\1", found.group(1)) if found else ""
    missing = _MISSING.match(message)  # a declared field's name, never a value
    if missing:
        path += "." + missing.group(1)
    return path.lstrip(".") or "body"
