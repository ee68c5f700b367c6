"""Apollo persisted-query manifests: read, index, write.

Format (`apollo-persisted-query-manifest`, version 1):
`{"format", "version", "operations": [{"id", "name", "type", "body"}]}`.
Manifests ship with the release and are immutable per process, so they are
indexed once, in memory, by id, by sha256 of the body and by canonical text
(the printed document: whitespace, commas and comments do not matter).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import DocumentNode, GraphQLSyntaxError, parse, print_ast

FORMAT = "apollo-persisted-query-manifest"
VERSION = 1
OPERATION_TYPES = ("query", "mutation", "subscription")
SHIPPED_DIR = Path(__file__).parent / "manifests"
SHA256_PREFIX = "sha256:"


class ManifestError(ValueError):
    """A manifest file that cannot be used, with the file and the reason."""


@dataclass(frozen=True, slots=True)
class ManifestOperation:
    """One trusted document. `sha256` is the hex digest of `body`, whatever the `id`."""

    id: str
    name: str
    type: str
    body: str
    sha256: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", sha256_hex(self.body))

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "type": self.type, "body": self.body}


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(text: str) -> str | None:
    """The document printed in a fixed form (definitions sorted), or None if it does not parse.

    Two texts with the same canonical form are the same document to a server:
    they differ only in ignored tokens (whitespace, commas, comments) and the
    order of their definitions.
    """
    try:
        document = parse(text, no_location=True)
    except GraphQLSyntaxError:
        return None
    definitions = sorted(
        document.definitions,
        key=lambda d: (type(d).__name__, getattr(getattr(d, "name", None), "value", "")),
    )
    return print_ast(DocumentNode(definitions=tuple(definitions)))


def parse_manifest(data: Any, source: str) -> list[ManifestOperation]:
    """Check the manifest's shape; `ManifestError` names `source` and the problem."""
    if not isinstance(data, dict):
        raise ManifestError(f"{source}: a manifest is a JSON object")
    if data.get("format") != FORMAT:
        raise ManifestError(f"{source}: `format` must be {FORMAT!r}")
    if data.get("version") != VERSION or isinstance(data.get("version"), bool):
        raise ManifestError(f"{source}: unsupported `version` {data.get('version')!r} (need 1)")
    raw_operations = data.get("operations")
    if not isinstance(raw_operations, list):
        raise ManifestError(f"{source}: `operations` must be a list")
    operations = []
    for position, raw in enumerate(raw_operations):
        where = f"{source}: operations[{position}]"
        if not isinstance(raw, dict):
            raise ManifestError(f"{where} must be an object")
        for key in ("id", "name", "type", "body"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise ManifestError(f"{where}: `{key}` must be a non-empty string")
        if raw["type"] not in OPERATION_TYPES:
            raise ManifestError(f"{where}: `type` must be one of {', '.join(OPERATION_TYPES)}")
        operations.append(ManifestOperation(raw["id"], raw["name"], raw["type"], raw["body"]))
    return operations


def read_manifest(path: str | Path) -> list[ManifestOperation]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    return parse_manifest(data, str(path))


def manifest_json(operations: Iterable[ManifestOperation]) -> str:
    """The manifest as Apollo's generator writes it (`JSON.stringify(m, null, 2)`)."""
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "operations": [op.as_json() for op in operations],
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False)


def shipped_manifests() -> list[Path]:
    """The manifests released with the server (`persisted_queries/manifests/*.json`)."""
    return sorted(SHIPPED_DIR.glob("*.json"))


class ManifestIndex:
    """Every trusted document of the release, looked up by id, body hash or canonical text."""

    def __init__(self, operations: Iterable[ManifestOperation] = ()) -> None:
        self._by_id: dict[str, ManifestOperation] = {}
        self._by_hash: dict[str, ManifestOperation] = {}
        self._by_canonical: dict[str, ManifestOperation] = {}
        for operation in operations:
            self.add(operation)

    def add(self, operation: ManifestOperation) -> None:
        known = self._by_id.get(operation.id)
        if known is not None and known.body != operation.body:
            raise ManifestError(
                f"manifest id {operation.id!r} names two different documents "
                f"({known.name} and {operation.name})"
            )
        self._by_id[operation.id] = operation
        self._by_hash.setdefault(operation.sha256, operation)
        key = canonical(operation.body)
        if key is not None:
            self._by_canonical.setdefault(key, operation)

    def by_id(self, id_: str) -> ManifestOperation | None:
        return self._by_id.get(id_)

    def by_hash(self, sha256: str) -> ManifestOperation | None:
        return self._by_hash.get(sha256)

    def by_text(self, text: str, text_sha256: str | None = None) -> ManifestOperation | None:
        """The entry whose body is `text`, exactly or up to ignored tokens and order."""
        exact = self._by_hash.get(text_sha256 or sha256_hex(text))
        if exact is not None:
            return exact
        key = canonical(text)
        return self._by_canonical.get(key) if key is not None else None

    def lookup(self, key: str) -> ManifestOperation | None:
        """An id as clients send it: a manifest id, or `sha256:<hex>` / bare hex of a body."""
        found = self._by_id.get(key)
        if found is None:
            found = self._by_hash.get(key.removeprefix(SHA256_PREFIX).lower())
        return found

    def __iter__(self) -> Iterator[ManifestOperation]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)


def load_index(extra: Sequence[str | Path] = (), *, shipped: bool = True) -> ManifestIndex:
    """The shipped manifests plus `extra` ones (BFF_PERSISTED_QUERY_MANIFESTS)."""
    paths: list[str | Path] = [*(shipped_manifests() if shipped else []), *extra]
    index = ManifestIndex()
    for path in paths:
        for operation in read_manifest(path):
            try:
                index.add(operation)
            except ManifestError as exc:
                raise ManifestError(f"{path}: {exc}") from None
    return index
