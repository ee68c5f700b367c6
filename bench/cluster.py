"""The processes of a bench run: demo upstreams, BFF variants, the bare endpoint.

All bind 127.0.0.1, are pinned per `procs.cpu_layout()`, log to files in the
run's work directory, and are stopped by PID when the run ends (or fails).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import operations
from bench.procs import CpuLayout, Proc, free_port, python_argv, wait_ready
from bench.upstream_control import UpstreamControl

REPO_ROOT = Path(__file__).resolve().parents[1]
GC_PROBE = REPO_ROOT / "bench" / "experiments" / "gc_probe"
SERVICES = ("users", "catalog", "pricing", "inventory", "reviews", "recommendations", "cart",
            "orders", "promotions", "shipping")

BFF_BASE_ENV: dict[str, str] = {
    "BFF_ENV": "production",
    "BFF_SERVICE_TOKEN": operations.SERVICE_TOKEN,
    "BFF_JWT_SECRET": operations.JWT_SECRET,
    "BFF_LOG_FORMAT": "json",
    "BFF_RESPONSE_CACHE": "off",
    "BFF_HEDGING": "off",
    "BFF_SHUTDOWN_GRACE_S": "1",
}
"""How every BFF of the bench runs unless a scenario says otherwise: the production
configuration (no dev trace extension, JSON logs), response cache off so that queries
are executed, hedging off."""

PEER_BASE_ENV: dict[str, str] = {
    "BFF_ENV": "production",
    "BFF_SERVICE_TOKEN": operations.SERVICE_TOKEN,
    "BFF_JWT_SECRET": operations.JWT_SECRET,
    "BFF_HOST": "127.0.0.1",
    "NODE_ENV": "production",
}
"""How the Node peers run (`../shared/peers/README.md`): the BFF's production settings and
secrets, so that the same signed-in token is accepted by every server."""


@dataclass(frozen=True)
class Server:
    name: str
    proc: Proc
    base_url: str
    env: dict[str, str]
    command: str

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    """The parent's environment without any BFF_* (so nothing leaks in), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def bff_command() -> list[str]:
    """`bff` from the interpreter's environment (RUNNING.md), else `python -m app.cli`."""
    script = Path(sys.executable).with_name("bff")
    return [str(script)] if script.exists() else python_argv("app.cli")


class Cluster:
    def __init__(self, workdir: Path, layout: CpuLayout, extra_env: dict[str, str]) -> None:
        self.workdir = workdir
        self.layout = layout
        self.extra_env = extra_env
        self._procs: list[Proc] = []
        self._servers: dict[str, Server] = {}
        self.upstreams: Server | None = None
        self.control: UpstreamControl | None = None

    # ---------------------------------------------------------------- lifecycle

    def _start(self, name: str, argv: list[str], env: dict[str, str], cpus: tuple[int, ...],
               ready_path: str, port: int) -> Server:
        proc = Proc(name, argv, env=_child_env(env), cpus=cpus,
                    log_path=self.workdir / "logs" / f"{name}.log", cwd=REPO_ROOT)
        self._procs.append(proc)
        base_url = f"http://127.0.0.1:{port}"
        wait_ready(proc, base_url + ready_path)
        return Server(name, proc, base_url, env, " ".join(argv))

    def start_upstreams(self) -> UpstreamControl:
        if self.control is not None:
            return self.control
        port = free_port()
        self.upstreams = self._start(
            "upstreams", python_argv("bench.upstream_server", "--port", str(port)), {},
            self.layout.upstreams, "/__demo/health", port,
        )
        self.control = UpstreamControl(self.upstreams.base_url)
        return self.control

    def upstream_env(self) -> dict[str, str]:
        if self.upstreams is None:
            raise RuntimeError("upstreams not started")
        base = self.upstreams.base_url
        return {f"BFF_UPSTREAM_{s.upper()}_URL": f"{base}/{s}" for s in SERVICES}

    def bff(self, name: str = "bff", *, env: dict[str, str] | None = None,
            naive: bool = False) -> Server:
        """A BFF variant, started on first use and kept until `stop(name)` or the end."""
        if name in self._servers:
            return self._servers[name]
        self.start_upstreams()
        port = free_port()
        full_env = {**BFF_BASE_ENV, "PYTHONPATH": str(GC_PROBE), **self.extra_env,
                    **(env or {}), **self.upstream_env()}
        args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
        argv = python_argv("bench.naive_server", *args) if naive else [*bff_command(), *args]
        server = self._start(name, argv, full_env, self.layout.server, "/readyz", port)
        self._servers[name] = server
        return server

    def peer(self, name: str, node: str, script: Path) -> Server:
        """A Node peer (`node script`), pinned like the BFF, started on first use."""
        if name in self._servers:
            return self._servers[name]
        self.start_upstreams()
        port = free_port()
        env = {**PEER_BASE_ENV, **self.upstream_env(), "PORT": str(port)}
        server = self._start(name, [node, str(script)], env, self.layout.server, "/readyz", port)
        self._servers[name] = server
        return server

    def bare(self, name: str, bodies: dict[str, bytes]) -> Server:
        """The bare endpoint serving `bodies[route]` at `/<route>` (replacing any earlier one)."""
        self.stop(name)
        body_dir = self.workdir / "bodies"
        body_dir.mkdir(parents=True, exist_ok=True)
        args = []
        for route, body in bodies.items():
            path = body_dir / f"{name}-{route}.json"
            path.write_bytes(body)
            args += ["--body", f"{route}={path}"]
        port = free_port()
        server = self._start(name, python_argv("bench.bare_server", "--port", str(port), *args),
                             {}, self.layout.server, "/healthz", port)
        self._servers[name] = server
        return server

    def otlp_sink(self, name: str = "otlp-sink") -> Server:
        """A local OTLP/HTTP collector (`bench.otlp_sink`), on the upstreams' CPU."""
        if name in self._servers:
            return self._servers[name]
        port = free_port()
        server = self._start(name, python_argv("bench.otlp_sink", "--port", str(port)), {},
                             self.layout.upstreams, "/healthz", port)
        self._servers[name] = server
        return server

    def stop(self, name: str) -> None:
        server = self._servers.pop(name, None)
        if server is not None:
            server.proc.stop()
            self._procs.remove(server.proc)

    def stop_all(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        errors = []
        for proc in reversed(self._procs):
            try:
                proc.stop()
            except Exception as exc:  # keep stopping the others
                errors.append(f"{proc.name} (pid {proc.pid}): {exc}")
        self._procs.clear()
        self._servers.clear()
        self.upstreams = None
        if errors:
            raise RuntimeError("could not stop: " + "; ".join(errors))
