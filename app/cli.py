"""The `bff` command (RUNNING.md): serve, demo-upstreams, cost, pq, token, schema."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from importlib import metadata
from typing import Any

from app import dev_token, logs
from app.settings import SERVICES, Settings, SettingsError, load_settings, unused_variables

log = logging.getLogger("bff.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bff", description="Storefront GraphQL BFF")
    parser.add_argument("--version", action="version", version=f"bff {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the BFF")
    serve.add_argument("--host", help="listen address (BFF_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (BFF_PORT, default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (BFF_WORKERS, default 1)")
    demo = commands.add_parser("demo-upstreams", help="serve the ten demo services alone")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8100)
    demo.add_argument(
        "--latency", default="", metavar="SERVICE=P50[:P99],...",
        help="added latency in ms per service, e.g. '*=5,reviews=20:120'",
    )
    cost = commands.add_parser("cost", help="print a query's cost, field by field")
    cost.add_argument("query", nargs="?", help="the query text")
    cost.add_argument("--file", help="read the query from FILE")
    cost.add_argument("--variables", help="variables as JSON")
    cost.add_argument("--operation-name", help="the operation to price")
    token = commands.add_parser(
        "token", help="print a signed development user token (refused in production)"
    )
    token.add_argument("--sub", required=True, help="the user id (the token's `sub`)")
    token.add_argument("--ttl", type=int, default=dev_token.DEFAULT_TTL_S, metavar="SECONDS",
                       help="lifetime in seconds (default 3600)")
    token.add_argument("--claim", action="append", default=[], metavar="NAME=VALUE",
                       help="an extra claim (repeatable); VALUE is JSON when it parses")
    from app.schema_cli import add_parser as add_schema_parser
    from persisted_queries.cli import add_parser as add_pq_parser

    add_pq_parser(commands)
    add_schema_parser(commands)
    return parser


def _version() -> str:
    try:
        return metadata.version("storefront-bff")
    except metadata.PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown"


def serve(args: argparse.Namespace) -> int:
    overrides = {
        key: value
        for key, value in (("host", args.host), ("port", args.port), ("workers", args.workers))
        if value is not None
    }
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"bff: {exc}", file=sys.stderr)
        return 2
    logs.configure(settings.effective_log_format)
    for problem in unused_variables():
        log.warning(problem)
    try:
        # Listening before the demo upstreams start keeps their free port off ours.
        sock = _listen(settings.host, settings.port)
    except OSError as exc:
        print(f"bff: cannot listen on {settings.host}:{settings.port}: {exc.strerror}",
              file=sys.stderr)
        return 2
    demo = None
    if settings.embedded_upstreams:
        from demo.server import DemoServer

        demo = DemoServer()
        demo.start()
        for service in SERVICES:
            os.environ[f"BFF_UPSTREAM_{service.upper()}_URL"] = demo.url_for(service)
        log.warning(
            "no BFF_UPSTREAM_*_URL set: serving the embedded demo upstreams at %s%s",
            demo.base_url,
            " (BFF_ENV=production: demo data, not your services)" if settings.is_production
            else "",
        )
    if not settings.redis_url:
        log.warning("no BFF_REDIS_URL set: in-memory stores, valid for a single instance only")
    if settings.otlp_endpoint:
        log.info("tracing on: spans exported by OTLP/HTTP to %s (service %s, sampler %s)",
                 settings.otlp_endpoint, os.environ.get("OTEL_SERVICE_NAME", "storefront-bff"),
                 os.environ.get("OTEL_TRACES_SAMPLER", "parentbased_always_on"))
    metrics_dir = None
    if settings.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Workers share their metrics through files, so a scrape sees them all.
        metrics_dir = tempfile.mkdtemp(prefix="bff-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    address = f"http://{settings.host}:{settings.port}"
    log.info(
        "listening on %s/graphql%s%s", address,
        f" with {settings.workers} workers" if settings.workers > 1 else "",
        f"; GraphiQL: open {address}/graphql in a browser" if settings.graphiql_enabled else "",
    )
    try:
        _run_uvicorn(settings, sock)
    finally:
        sock.close()
        if demo is not None:
            demo.stop()
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _run_uvicorn(settings: Settings, sock: socket.socket) -> None:
    import uvicorn

    # uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, which would
    # kill the process with the signal; a no-op handler makes a clean stop exit 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    os.environ["BFF_HOST"] = settings.host
    os.environ["BFF_PORT"] = str(settings.port)
    options: dict[str, Any] = {
        "factory": True,
        "host": settings.host,
        "port": settings.port,
        "workers": settings.workers,
        "timeout_graceful_shutdown": int(settings.shutdown_grace_s) or None,
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
        "date_header": True,
    }
    config = uvicorn.Config("app.server:create_app_from_env", **options)
    if settings.workers == 1:
        server = uvicorn.Server(config)
        server.run(sockets=[sock])
        if not server.started:  # the app failed its start-up; uvicorn has said why
            sys.exit(3)
        return
    # Several workers: uvicorn's supervisor, marking the metric files of workers that exit.
    from app.workers import Supervisor

    Supervisor(config, sockets=[sock]).run()


def demo_upstreams(args: argparse.Namespace) -> int:
    from demo.server import parse_latency_arg, run_demo_upstreams

    logs.configure("console")
    try:
        latency = parse_latency_arg(args.latency)
    except ValueError as exc:
        print(f"bff: --latency: {exc}", file=sys.stderr)
        return 2
    run_demo_upstreams(args.host, args.port, latency)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "demo-upstreams":
        return demo_upstreams(args)
    if args.command == "cost":
        from app.cost_report import run

        try:
            settings = load_settings(offline=True)
        except SettingsError as exc:
            print(f"bff: {exc}", file=sys.stderr)
            return 2
        return run(settings, args.query, args.file, args.variables, args.operation_name)
    if args.command == "token":
        try:
            settings = load_settings()
        except SettingsError as exc:
            print(f"bff: {exc}", file=sys.stderr)
            return 2
        return dev_token.run(settings, args.sub, args.ttl, args.claim)
    if args.command == "pq":
        from persisted_queries.cli import run as run_pq

        return run_pq(args)
    if args.command == "schema":
        from app.schema_cli import run as run_schema

        return run_schema(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
