"""`bff pq build | push | list | check` (RUNNING.md): manifests for release pipelines.

Exit codes: 0 done; 1 an operation is invalid (each named on stderr);
2 bad usage or configuration (unreadable manifest, no Redis for push).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from app.admission import Admission
from app.limits import query_limits
from app.redis_client import redacted
from app.settings import Settings, SettingsError, load_settings
from persisted_queries import build as builder
from persisted_queries.manifest import (
    ManifestError,
    ManifestOperation,
    load_index,
    manifest_json,
    read_manifest,
)
from persisted_queries.store import StoreUnavailable


def add_parser(commands: Any) -> None:
    pq = commands.add_parser("pq", help="persisted-query manifests: build, push, list, check")
    actions = pq.add_subparsers(dest="pq_command", required=True)
    build = actions.add_parser("build", help="a manifest from a directory of .graphql files")
    build.add_argument("operations_dir", type=Path, metavar="OPERATIONS_DIR")
    build.add_argument("-o", "--output", type=Path, help="write here (default: stdout)")
    build.add_argument(
        "--apollo", action="store_true",
        help="ids and bodies exactly as Apollo Client sends them (adds __typename, "
        "graphql-js printing), as Apollo's manifest generator writes them",
    )
    push = actions.add_parser("push", help="store a manifest's documents in Redis (trusted)")
    push.add_argument("manifest", type=Path, metavar="MANIFEST")
    push.add_argument("--force", action="store_true", help="push even if operations are invalid")
    listing = actions.add_parser("list", help="the trusted documents: id, then name")
    listing.add_argument("--apq", action="store_true", help="also the APQ registrations")
    check = actions.add_parser("check", help="is every operation still valid? (exit 1 if not)")
    check.add_argument("manifests", type=Path, nargs="+", metavar="MANIFEST")


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(offline=True)  # no secret needed: nothing is served
    except SettingsError as exc:
        return _fail(str(exc), 2)
    try:
        if args.pq_command == "build":
            return _build(settings, args.operations_dir, args.output, apollo=args.apollo)
        if args.pq_command == "push":
            return asyncio.run(_push(settings, args.manifest, force=args.force))
        if args.pq_command == "list":
            return asyncio.run(_list(settings, apq=args.apq))
        if args.pq_command == "check":
            return _check(settings, args.manifests)
    except ManifestError as exc:
        return _fail(str(exc), 2)
    except StoreUnavailable as exc:
        return _fail(f"Redis at BFF_REDIS_URL={redacted(settings.redis_url or '')} is "
                     f"unreachable ({exc})", 2)
    return 2


def _admission(settings: Settings) -> Admission:
    from schema import build_schema

    return Admission(
        build_schema()._schema, cache_size=0, introspection=True, limits=query_limits(settings)
    )


def _report(problems: list[builder.Problem]) -> None:
    for problem in problems:
        print(f"bff pq: {problem}", file=sys.stderr)


def _fail(message: str, code: int) -> int:
    print(f"bff pq: {message}", file=sys.stderr)
    return code


def _build(settings: Settings, directory: Path, output: Path | None, *, apollo: bool) -> int:
    if not directory.is_dir():
        return _fail(f"{directory}: not a directory", 2)
    operations, problems = builder.build(directory, _admission(settings), apollo=apollo)
    if problems:
        _report(problems)
        return 1
    if not operations:
        return _fail(f"{directory}: no operations found (*.graphql, *.gql)", 1)
    text = manifest_json(operations)
    if output is None:
        print(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"bff pq: wrote {len(operations)} operations to {output}", file=sys.stderr)
    return 0


def _check(settings: Settings, paths: list[Path]) -> int:
    admission = _admission(settings)
    problems: list[str] = []
    count = 0
    for path in paths:
        operations = read_manifest(path)
        count += len(operations)
        problems += [str(problem) for problem in builder.check(operations, admission)]
    conflict = _conflict(paths)
    if conflict is not None:
        problems.append(conflict)
    if problems:
        for problem in problems:
            print(f"bff pq: {problem}", file=sys.stderr)
        print(f"bff pq: {len(problems)} problem(s) in {count} operations", file=sys.stderr)
        return 1
    print(f"bff pq: {count} operations valid", file=sys.stderr)
    return 0


def _conflict(paths: list[Path]) -> str | None:
    """An id these manifests give another body than the shipped ones (or each other) do:
    the server would refuse to start with them in BFF_PERSISTED_QUERY_MANIFESTS."""
    try:
        load_index(paths)
    except ManifestError as exc:
        return str(exc)
    return None


def _store(settings: Settings) -> Any:
    from persisted_queries.factory import build_store

    return build_store(settings)


async def _push(settings: Settings, path: Path, *, force: bool) -> int:
    if not settings.redis_url:
        return _fail("push needs BFF_REDIS_URL (the store every instance reads)", 2)
    operations = read_manifest(path)
    problems = builder.check(operations, _admission(settings))
    if problems and not force:
        _report(problems)
        return _fail("nothing pushed (use --force to push anyway)", 1)
    store = _store(settings)
    try:
        await store.push(operations)
    finally:
        await store.aclose()
    print(f"bff pq: pushed {len(operations)} operations from {path}", file=sys.stderr)
    return 0


async def _list(settings: Settings, *, apq: bool) -> int:
    """The manifests' documents (local files: no Redis needed), those pushed to Redis, and
    with `--apq` the APQ registrations (only Redis has them for every server)."""
    documents: dict[str, ManifestOperation] = {
        op.id: op for op in load_index(settings.persisted_query_manifests)
    }
    registered: list[tuple[str, str]] = []
    unreachable: StoreUnavailable | None = None
    if settings.redis_url:
        store = _store(settings)
        try:
            documents.update({op.id: op for op in await store.trusted()})
            if apq:
                registered = await store.registered()
        except StoreUnavailable as exc:
            unreachable = exc
        finally:
            await store.aclose()
    for op in sorted(documents.values(), key=lambda op: (op.name, op.id)):
        print(f"{op.id} {op.name}")
    for sha256, text in registered:
        print(f"{sha256} {_operation_name(text)} (apq)")
    if unreachable is not None:
        return _fail(f"Redis at BFF_REDIS_URL={redacted(settings.redis_url or '')} is "
                     f"unreachable ({unreachable}): only the manifests' documents are listed",
                     2)
    if apq and not settings.redis_url:
        return _fail("--apq: without BFF_REDIS_URL each running server keeps its APQ "
                     "registrations in its own memory, where they cannot be listed", 2)
    return 0


def _operation_name(text: str) -> str:
    from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse

    try:
        document = parse(text, no_location=True)
    except GraphQLSyntaxError:
        return "?"
    names = [
        d.name.value for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    ]
    return ",".join(names) or "anonymous"
