"""Why the upstream client is httpx over aiohttp's pool: calls/s and client CPU per call.

`python -m bench.upstream_client [--seconds S]`: starts the demo upstreams as a
separate process on a free loopback port, then drives one batch GET (10 product
ids) from one and from 50 concurrent callers through (a) httpx's own connection
pool and (b) httpx with the aiohttp transport the BFF uses. Prints a Markdown
table; the demo process is stopped by PID at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from httpx_aiohttp import AiohttpTransport

IDS = ",".join(f"p{n:04d}" for n in range(1, 11))
LIMITS = httpx.Limits(max_connections=512, max_keepalive_connections=256)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _drive(client: httpx.AsyncClient, url: str, callers: int, seconds: float
                 ) -> tuple[float, float]:
    done = 0
    stop = time.monotonic() + seconds

    async def caller() -> None:
        nonlocal done
        while time.monotonic() < stop:
            response = await client.get(url, headers={"authorization": "Bearer bench"})
            response.raise_for_status()
            done += 1

    started, cpu = time.monotonic(), time.process_time()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return done / (time.monotonic() - started), (time.process_time() - cpu) / done * 1e6


async def _measure(port: int, seconds: float) -> list[tuple[str, int, float, float]]:
    url = f"http://127.0.0.1:{port}/catalog/products?ids={IDS}"
    clients: dict[str, Callable[[], httpx.AsyncClient]] = {
        "httpx (own pool)": lambda: httpx.AsyncClient(limits=LIMITS),
        "httpx + aiohttp transport (the BFF's)": lambda: httpx.AsyncClient(
            transport=AiohttpTransport(limits=LIMITS, trust_env=False)),
    }
    rows = []
    for name, make in clients.items():
        for callers in (1, 50):
            async with make() as client:
                await _drive(client, url, callers, 0.5)  # warm the pool
                rate, cpu_us = await _drive(client, url, callers, seconds)
            rows.append((name, callers, rate, cpu_us))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    port = _free_port()
    bff = Path(sys.executable).with_name("bff")
    demo = subprocess.Popen([str(bff), "demo-upstreams", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/__demo/health", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        rows = asyncio.run(_measure(port, args.seconds))
    finally:
        os.kill(demo.pid, signal.SIGTERM)
        demo.wait(10)
    print("| client | concurrent callers | calls/s | client CPU per call (µs) |")
    print("|---|---:|---:|---:|")
    for name, callers, rate, cpu_us in rows:
        print(f"| {name} | {callers} | {rate:,.0f} | {cpu_us:,.0f} |")


if __name__ == "__main__":
    main()
