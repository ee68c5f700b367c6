"""Manifests from operation files, and checking manifests against the current schema.

Two ways to build (RUNNING.md `bff pq build`):
- exact (default): one operation per file, the body is the file's text
  byte for byte, the id its sha256 (what a client sending the file gets);
- `--apollo`: the body is what Apollo Client sends for the operation (its
  document transform, graphql-js 16 printing, fragments from any file), as
  Apollo's own manifest generator writes it, the id its sha256.
Either way every operation is admitted against the schema and the server's
static limits: a manifest never ships an operation the server would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graphql import (
    FragmentDefinitionNode,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    parse,
)

from app.admission import Admission
from app.errors import RequestError
from persisted_queries.apollo import ClientOnlyFieldError, apollo_body
from persisted_queries.manifest import SHA256_PREFIX, ManifestOperation, sha256_hex

OPERATION_SUFFIXES = (".graphql", ".gql")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one operation (or file) cannot be in a manifest."""

    what: str
    message: str

    def __str__(self) -> str:
        return f"{self.what}: {self.message}"


def operation_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in OPERATION_SUFFIXES)


def build(
    directory: Path, admission: Admission, *, apollo: bool
) -> tuple[list[ManifestOperation], list[Problem]]:
    """The manifest's operations (sorted by name) and the problems found on the way."""
    problems: list[Problem] = []
    operations: list[tuple[Path, OperationDefinitionNode, str]] = []
    fragments: dict[str, FragmentDefinitionNode] = {}
    for path in operation_files(directory):
        where = str(path.relative_to(directory))
        text = path.read_text(encoding="utf-8")
        try:
            document = parse(text, no_location=apollo)
        except GraphQLSyntaxError as exc:
            problems.append(Problem(where, exc.message))
            continue
        found = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                name = definition.name.value
                if name in fragments:
                    problems.append(Problem(where, f"fragment {name} is defined twice"))
                fragments[name] = definition
        if not apollo and len(found) != 1:
            problems.append(Problem(
                where, f"exact manifests take one operation per file, found {len(found)}"
            ))
            continue
        operations += [(path, op, text) for op in found]
    built: dict[str, ManifestOperation] = {}
    for path, node, text in operations:
        where = str(path.relative_to(directory))
        if node.name is None:
            problems.append(Problem(where, "anonymous operations cannot be persisted: name it"))
            continue
        name = node.name.value
        if name in built:
            problems.append(Problem(f"{name} ({where})", "another operation has this name"))
            continue
        try:
            body = apollo_body(node, fragments) if apollo else text
        except ClientOnlyFieldError as exc:
            problems.append(Problem(f"{name} ({where})", str(exc)))
            continue
        operation = ManifestOperation(sha256_hex(body), name, node.operation.value, body)
        problems += check_operation(operation, admission, where=where)
        built[name] = operation
    return sorted(built.values(), key=lambda op: op.name), problems


def check_operation(
    operation: ManifestOperation, admission: Admission, *, where: str | None = None
) -> list[Problem]:
    """Everything that would make the server refuse this manifest entry."""
    what = f"{operation.name} ({where or operation.id})"
    try:
        document = admission.document(operation.body)
    except RequestError as refusal:
        return [Problem(what, f"{refusal.code}: {_describe(refusal)}")]
    problems = []
    node = document.operations.get(operation.name)
    if node is None:
        problems.append(Problem(what, f"the body has no operation named {operation.name}"))
    elif node.operation.value != operation.type:
        problems.append(Problem(
            what, f"`type` says {operation.type} but the operation is a {node.operation.value}"
        ))
    hex_id = operation.id.removeprefix(SHA256_PREFIX)
    looks_like_sha = len(hex_id) == 64 and all(c in "0123456789abcdefABCDEF" for c in hex_id)
    if looks_like_sha and hex_id.lower() != operation.sha256:
        problems.append(Problem(what, "the id looks like a SHA-256 but is not the body's"))
    return problems


def check(operations: list[ManifestOperation], admission: Admission) -> list[Problem]:
    problems: list[Problem] = []
    for operation in operations:
        problems += check_operation(operation, admission)
    return problems


def _describe(refusal: RequestError) -> str:
    message = refusal.message
    if refusal.locations:
        where = ", ".join(f"line {loc['line']} column {loc['column']}" for loc in refusal.locations)
        message += f" ({where})"
    others = refusal.extensions.get("validationErrors") if refusal.extensions else None
    if others:
        message += "; " + "; ".join(others)
    return message
