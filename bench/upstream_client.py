"""What one upstream call costs the BFF in CPU: per HTTP client, and for the BFF's client.

`python -m bench.upstream_client [--seconds S] [--rounds R] [--loop uvloop|asyncio]`:
starts the demo upstreams as a separate process on a free loopback port, then drives one
batch GET (10 product ids, the catalog's `/products`) from 1 and from 50 concurrent
callers through each variant, and prints calls/s and this process's CPU per call
(`time.process_time()`: the upstreams run elsewhere). Variants:

- the HTTP libraries alone, sending the BFF's request headers: httpx's
  `AsyncClient.request` over httpx-aiohttp's transport (what the BFF used), a prebuilt
  `httpx.Request` sent straight through that transport (no cookie jar, auth or redirect
  layers), aiohttp's `ClientSession` with no cookie jar, and the BFF's own exchange
  (`app.upstream_http`: asyncio transports and httptools);
- the BFF's whole client, `UpstreamClient.send` (headers, deadline, bulkhead, breaker,
  metrics, trace records): before (`bench.upstream_baseline`, httpx over aiohttp), the
  current client with its exchange swapped for aiohttp's `ClientSession` (the runner-up),
  and the current client as the BFF runs it.

Rounds are interleaved (every variant once per round) and each figure is the median
over the rounds, so the ratios come from one run on one machine state. The loop is
uvloop by default, as under `bff serve` (uvicorn picks it when installed). The demo
process is stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import httpx
import uvloop
from httpx_aiohttp import AiohttpTransport

from app import upstream, upstream_http
from app.deadline import Deadline
from app.settings import SERVICES, load_settings
from app.tracing import Tracing
from bench import upstream_baseline

IDS = [f"p{n:04d}" for n in range(1, 11)]
PATH = "/products"
LIMITS = httpx.Limits(max_connections=512, max_keepalive_connections=256)
HEADERS = {  # what the BFF sends on every call (values of the right size)
    "authorization": "Bearer bench-service-token",
    "x-request-id": "0f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "x-request-timeout-ms": "950",
    "accept": "application/json",
    "user-agent": "storefront-bff",
    "x-user-id": "u0001",
}
CALLERS = (1, 50)

Call = Callable[[], Awaitable[int]]
Variant = Callable[[int], Awaitable[tuple[Call, Callable[[], Awaitable[None]]]]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _url(port: int) -> str:
    return f"http://127.0.0.1:{port}/catalog{PATH}?ids={','.join(IDS)}"


async def _httpx_client(port: int) -> tuple[Call, Callable[[], Awaitable[None]]]:
    client = httpx.AsyncClient(timeout=httpx.Timeout(None), limits=LIMITS,
                               follow_redirects=False,
                               transport=AiohttpTransport(limits=LIMITS, trust_env=False))
    url = _url(port)

    async def call() -> int:
        response = await client.request("GET", url, headers=HEADERS)
        return len(response.content)

    return call, client.aclose


async def _httpx_prebuilt(port: int) -> tuple[Call, Callable[[], Awaitable[None]]]:
    transport = AiohttpTransport(limits=LIMITS, trust_env=False)
    url = httpx.URL(_url(port))

    async def call() -> int:
        response = await transport.handle_async_request(
            httpx.Request("GET", url, headers=HEADERS))
        try:
            return len(await response.aread())
        finally:
            await response.aclose()

    return call, transport.aclose


async def _aiohttp(port: int) -> tuple[Call, Callable[[], Awaitable[None]]]:
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=512, keepalive_timeout=5.0),
        cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout())
    url = _url(port)

    async def call() -> int:
        async with session.request("GET", url, headers=HEADERS, allow_redirects=False) as r:
            return len(await r.read())

    return call, session.close


async def _own_exchange(port: int) -> tuple[Call, Callable[[], Awaitable[None]]]:
    origin = upstream_http.Origin(f"http://127.0.0.1:{port}", None)
    target = _url(port).split(str(port), 1)[1]

    async def call() -> int:
        return len((await origin.exchange("GET", target, HEADERS, None)).body)

    async def close() -> None:
        origin.close()

    return call, close


class AiohttpOrigin:
    """`upstream_http.Origin`'s interface over one aiohttp `ClientSession` (no cookie jar)."""

    def __init__(self, origin: str) -> None:
        self._origin = origin
        self._session: aiohttp.ClientSession | None = None

    async def exchange(self, method: str, target: str, headers: dict[str, str],
                       body: bytes | None) -> tuple[int, bytes]:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=512, keepalive_timeout=5.0),
                cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout())
        async with self._session.request(method, self._origin + target, headers=headers,
                                         data=body, allow_redirects=False) as response:
            return response.status, await response.read()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def _bff_client(module: object, over_aiohttp: bool = False) -> Variant:
    async def make(port: int) -> tuple[Call, Callable[[], Awaitable[None]]]:
        environ = {f"BFF_UPSTREAM_{s.upper()}_URL": f"http://127.0.0.1:{port}/{s}"
                   for s in SERVICES}
        client = module.UpstreamClient(load_settings(environ))  # type: ignore[attr-defined]
        close = client.aclose
        if over_aiohttp:  # the same client, its exchange swapped (a bench-only reach inside)
            origin = AiohttpOrigin(f"http://127.0.0.1:{port}")
            for route in client._routes.values():
                route.origin = origin
            close = origin.aclose
        scope = upstream.CallScope("0f8e7d6c5b4a39281706f5e4d3c2b1a0", Deadline(3_600_000),
                                   Tracing().background(), "u0001")
        params = {"ids": ",".join(IDS)}

        async def call() -> int:
            scope.calls.clear()
            response = await client.send("catalog", "GET", PATH, scope, params=params, ids=IDS)
            return len(response.content)

        return call, close

    return make


VARIANTS: dict[str, Variant] = {
    "httpx `AsyncClient.request` + aiohttp transport": _httpx_client,
    "httpx prebuilt `Request` → aiohttp transport": _httpx_prebuilt,
    "aiohttp `ClientSession`, no cookie jar": _aiohttp,
    "the BFF's exchange (`app.upstream_http`)": _own_exchange,
    "**BFF client before** (httpx over aiohttp)": _bff_client(upstream_baseline),
    "BFF client, exchange by aiohttp `ClientSession`": _bff_client(upstream, over_aiohttp=True),
    "**BFF client now** (`app.upstream_http`)": _bff_client(upstream),
}
BEFORE, RUNNER_UP, NOW = "**BFF client before** (httpx over aiohttp)", \
    "BFF client, exchange by aiohttp `ClientSession`", "**BFF client now** (`app.upstream_http`)"


async def _drive(call: Call, callers: int, seconds: float) -> tuple[float, float]:
    done = 0
    stop = time.monotonic() + seconds

    async def caller() -> None:
        nonlocal done
        while time.monotonic() < stop:
            if await call() <= 0:
                raise RuntimeError("empty answer")
            done += 1

    started, cpu = time.monotonic(), time.process_time()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return done / (time.monotonic() - started), (time.process_time() - cpu) / done * 1e6


Samples = dict[tuple[str, int], list[tuple[float, float]]]


async def _measure(port: int, seconds: float, rounds: int) -> Samples:
    samples: Samples = {(name, n): [] for name in VARIANTS for n in CALLERS}
    for _ in range(rounds):
        for name, make in VARIANTS.items():
            for callers in CALLERS:
                call, close = await make(port)
                try:
                    await _drive(call, callers, min(0.3, seconds))  # warm the pool
                    samples[name, callers].append(await _drive(call, callers, seconds))
                finally:
                    await close()
    return samples


def _report(samples: Samples, rounds: int, loop: str) -> str:
    lines = [f"Median of {rounds} interleaved rounds, {loop} loop:", "",
             "| client | concurrent callers | calls/s | client CPU per call (µs) |",
             "|---|---:|---:|---:|"]
    cpu: dict[tuple[str, int], float] = {}
    for (name, callers), runs in samples.items():
        rate = statistics.median(r for r, _ in runs)
        cpu[name, callers] = statistics.median(c for _, c in runs)
        lines.append(f"| {name} | {callers} | {rate:,.0f} | {cpu[name, callers]:,.0f} |")
    lines.append("")
    for name in (RUNNER_UP, NOW):
        ratios = ", ".join(f"{cpu[name, n] / cpu[BEFORE, n]:.2f} with {n} caller{'s' * (n > 1)}"
                           for n in CALLERS)
        lines.append(f"CPU per call of {name} / before: {ratios}.")
    return "\n".join(lines)


def _start_demo(port: int) -> subprocess.Popen[bytes]:
    bff = Path(sys.executable).with_name("bff")
    demo = subprocess.Popen([str(bff), "demo-upstreams", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/__demo/health", timeout=1)
            return demo
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                os.kill(demo.pid, signal.SIGTERM)
                raise
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.5, help="per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    args = parser.parse_args()
    port = _free_port()
    demo = _start_demo(port)
    try:
        run = _measure(port, args.seconds, args.rounds)
        samples = uvloop.run(run) if args.loop == "uvloop" else asyncio.run(run)
    finally:
        os.kill(demo.pid, signal.SIGTERM)
        demo.wait(10)
    print(_report(samples, args.rounds, args.loop))


if __name__ == "__main__":
    main()
