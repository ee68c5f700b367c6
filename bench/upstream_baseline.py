"""The BFF's upstream client as it was before this branch (commit dc94ce6), kept as the
baseline `python -m bench.upstream_client` measures the current one against in the same
run: httpx's `AsyncClient.request` over httpx-aiohttp's transport, with httpx's (and
aiohttp's) cookie jars, auth and redirect layers, and a `labels()` look-up per metric.

Verbatim but for this docstring, its `get_json` and `decode` (see `bench.decode`), and
what did not change (the scope and record types, the bulkhead, hedging), imported from
`app.upstream`. Not used by the BFF.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import aiohttp
import httpx
import orjson
from httpx_aiohttp import AiohttpTransport

from app import errors, metrics
from app.breaker import Breaker
from app.settings import Settings, UpstreamSettings
from app.upstream import (
    Bulkhead,
    CallRecord,
    CallScope,
    RecentLatency,
    UpstreamResponse,
    _hedged,
)

log = logging.getLogger("bff.upstream")

HEDGE_MIN_LEFT_S = 0.005

_UNAVAILABLE_STATUSES = frozenset({429, 502, 503, 504})
CANCELLED = "cancelled"
"""Outcome of an attempt abandoned by the BFF itself (the slower of a hedged pair)."""
_OK = frozenset({200})


class UpstreamClient:
    """One pooled HTTP client per process, shared by every request.

    httpx's API over aiohttp's connection pool: httpx's own pool spends about
    5 ms of CPU per call at 50 concurrent calls on these machines, aiohttp's
    about 0.3 ms (measured: see README, Performance).
    """

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
        self._token = f"Bearer {settings.service_token}"
        limits = httpx.Limits(max_connections=512, max_keepalive_connections=256)
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(None),
            limits=limits,
            follow_redirects=False,
            transport=AiohttpTransport(limits=limits, trust_env=False),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def max_batch(self, component: str) -> int:
        return self._services[component].max_batch

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
    ) -> UpstreamResponse:
        """Send one request; statuses outside `expect` become dependency errors.

        With hedging on, a read that has not answered by the service's recent
        p95 gets one identical second attempt; the first good answer wins and
        the other attempt is cancelled. Writes are never hedged (nor retried).
        """
        service_url = self._services[component].url
        url = f"{service_url}{path}?{urlencode(params, safe=',')}" if params \
            else f"{service_url}{path}"
        content = orjson.dumps(json) if json is not None else None
        attempt = functools.partial(
            self._attempt, component, method, url, scope, content, headers, ids, expect
        )
        if not self._hedging or method != "GET":
            return await attempt()
        delay = self._latency[component].hedge_delay_s()
        if delay is None or delay >= scope.deadline.remaining_s() - HEDGE_MIN_LEFT_S:
            return await attempt()
        return await _hedged(attempt, delay, lambda: metrics.HEDGES.labels(component).inc())

    async def _attempt(
        self,
        component: str,
        method: str,
        url: str,
        scope: CallScope,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        ids: Sequence[str] | None,
        expect: frozenset[int],
    ) -> UpstreamResponse:
        """One attempt: budget, bulkhead and breaker checks, the call, its verdict."""
        service = self._services[component]
        bulkhead = self._bulkheads[component]
        started = time.monotonic()
        remaining = scope.deadline.remaining_s()
        if remaining <= 0.001:
            raise self._fail(scope, component, ids, started, errors.DEADLINE_EXCEEDED, "no budget")
        if bulkhead.in_flight >= bulkhead.limit:
            raise self._fail(scope, component, ids, started, errors.DEPENDENCY_UNAVAILABLE, "full")
        breaker = self._breakers[component]
        if not breaker.allow():
            raise self._fail(scope, component, ids, started, errors.CIRCUIT_OPEN, "open")
        service_timeout = service.timeout_ms / 1000.0
        deadline_bound = remaining < service_timeout
        request_headers = {
            "authorization": self._token,
            "x-request-id": scope.request_id,
            "x-request-timeout-ms": str(scope.deadline.remaining_ms()),
            "accept": "application/json",
        }
        # traceparent: same trace, a fresh span id (as the client before this one sent it)
        scope.trace.call(component, method, None, 0, 0, 1, "first").propagate(request_headers)
        if scope.user_id is not None:
            request_headers["x-user-id"] = scope.user_id
        if headers:
            request_headers.update(headers)
        if content is not None:
            request_headers["content-type"] = "application/json"
        bulkhead.in_flight += 1
        verdict: bool | None = None  # did the service fail? None: no verdict (our deadline)
        try:
            async with asyncio.timeout(min(service_timeout, remaining)):
                response = await self._http.request(
                    method, url, content=content, headers=request_headers
                )
            status = response.status_code
            verdict = status not in expect
        except TimeoutError:
            code = errors.DEADLINE_EXCEEDED if deadline_bound else errors.DEPENDENCY_TIMEOUT
            verdict = True if code == errors.DEPENDENCY_TIMEOUT else None
            raise self._fail(scope, component, ids, started, code, "timed out") from None
        except (httpx.HTTPError, aiohttp.ClientError, OSError) as exc:
            verdict = True
            raise self._fail(
                scope, component, ids, started, errors.DEPENDENCY_UNAVAILABLE, type(exc).__name__
            ) from None
        except asyncio.CancelledError:  # a hedge's loser: attempted, so counted
            self._record(scope, component, ids, started, CANCELLED)
            raise
        finally:
            bulkhead.in_flight -= 1
            if verdict is None:
                breaker.release_probe()
            else:
                breaker.record(verdict)
        if status in expect:
            self._record(scope, component, ids, started, "ok")
            self._latency[component].add(time.monotonic() - started)
            return UpstreamResponse(status, response.content)
        code = (
            errors.DEPENDENCY_UNAVAILABLE
            if status in _UNAVAILABLE_STATUSES
            else errors.DEPENDENCY_ERROR
        )
        raise self._fail(scope, component, ids, started, code, f"HTTP {status}")

    def _record(
        self,
        scope: CallScope,
        component: str,
        ids: Sequence[str] | None,
        started: float,
        outcome: str,
    ) -> None:
        now = time.monotonic()
        duration = now - started
        metrics.UPSTREAM_CALLS.labels(component, outcome).inc()
        metrics.UPSTREAM_DURATION.labels(component).observe(duration)
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
        code: str,
        detail: str,
    ) -> errors.DependencyError:
        self._record(scope, component, ids, started, code)
        log.warning(
            "upstream call failed",
            extra={"request_id": scope.request_id, "component": component, "code": code,
                   "detail": detail},
        )
        return errors.DependencyError(component, code, detail)
