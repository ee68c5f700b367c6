"""Extract the GraphQL documents the test suite holds, with their variables, into a module.

Run `python -m tests.differential.extract_corpus --write` after changing a
test's queries; `test_corpus.py` fails while `suite_corpus.py` is stale, so
the corpus stays what the suite really sends rather than a hand-picked subset.

What counts: every expression in `tests/` (this package aside) whose value
can be read without running the tests (string literals, implicit and `+`
concatenation, names bound once in the module or function, `operation("X")`
for a contract operation, f-strings with their holes filled by `x0`) and
that parses as a GraphQL document with an operation in it. That includes a
few documents the suite only prints or parses (the Apollo printer fixtures),
which the BFF refuses at validation on both paths: a superset is honest, a
chosen subset is not. Documents assembled by loops at run time (the alias,
depth, token and fragment bombs of test_cost.py) are not text in the source
and are left out; the BFF refuses them before execution, so neither
executor sees them.

Variables are those sent alongside: the next positional argument of the call
(or `variables=`), the `"variables"` entry of a body or GET parameters (JSON
text included), or the next element of a `parametrize` row, when they can be
read; otherwise the document is recorded without variables.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse

from tests.contract_check import CONTRACT

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
OUTPUT = Path(__file__).with_name("suite_corpus.py")
_UNREAD = object()
_HOLE = "x0"


@dataclass(frozen=True, slots=True)
class Entry:
    """One document with one set of variables, and the test modules it comes from."""

    query: str
    variables: dict[str, Any] | None
    sources: tuple[str, ...]


def contract_operations() -> dict[str, str]:
    """The contract's operations by name, as their files hold them."""
    return {path.stem: path.read_text()
            for path in sorted((CONTRACT / "operations").glob("*.graphql"))}


def contract(name: str) -> str:
    return (CONTRACT / "operations" / f"{name}.graphql").read_text()


def is_operation_document(text: str) -> bool:
    try:
        document = parse(text)
    except GraphQLError:
        return False
    return any(isinstance(d, OperationDefinitionNode) for d in document.definitions)


class _Scope:
    """Names bound exactly once by a plain assignment, in a module or a function."""

    def __init__(self, body: list[ast.stmt], parent: _Scope | None) -> None:
        self.parent = parent
        counts: dict[str, int] = {}
        self.bound: dict[str, ast.expr] = {}
        for node in body:
            for child in ast.walk(node) if parent is not None else [node]:
                if isinstance(child, ast.Assign) and len(child.targets) == 1 \
                        and isinstance(child.targets[0], ast.Name):
                    name = child.targets[0].id
                    counts[name] = counts.get(name, 0) + 1
                    self.bound[name] = child.value
                elif isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name) \
                        and child.value is not None:
                    counts[child.target.id] = counts.get(child.target.id, 0) + 1
                    self.bound[child.target.id] = child.value
        for name, count in counts.items():
            if count > 1:
                del self.bound[name]

    def lookup(self, name: str) -> tuple[ast.expr, _Scope] | None:
        if name in self.bound:
            return self.bound[name], self
        return self.parent.lookup(name) if self.parent is not None else None


def read(node: ast.expr, scope: _Scope, depth: int = 0) -> Any:
    """The value of an expression that needs no running code, or _UNREAD."""
    if depth > 20:
        return _UNREAD
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [str(v.value) if isinstance(v, ast.Constant) else _HOLE for v in node.values]
        return "".join(parts)
    if isinstance(node, ast.Name):
        found = scope.lookup(node.id)
        return _UNREAD if found is None else read(found[0], found[1], depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = read(node.left, scope, depth + 1), read(node.right, scope, depth + 1)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return _UNREAD
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == "operation" and len(node.args) == 1:
        name = read(node.args[0], scope, depth + 1)
        if isinstance(name, str) and (CONTRACT / "operations" / f"{name}.graphql").exists():
            return (CONTRACT / "operations" / f"{name}.graphql").read_text()
        return _UNREAD
    if isinstance(node, ast.Dict):
        result: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                return _UNREAD
            k, v = read(key, scope, depth + 1), read(value, scope, depth + 1)
            if k is _UNREAD or v is _UNREAD:
                return _UNREAD
            result[k] = v
        return result
    if isinstance(node, ast.List | ast.Tuple):
        items = [read(item, scope, depth + 1) for item in node.elts]
        return _UNREAD if any(i is _UNREAD for i in items) else items
    return _UNREAD


def _variables(node: ast.expr | None, scope: _Scope) -> dict[str, Any] | None:
    if node is None:
        return None
    value = read(node, scope)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _documents(node: ast.expr, scope: _Scope) -> str | None:
    value = read(node, scope)
    return value if isinstance(value, str) and is_operation_document(value) else None


def _found(tree: ast.Module) -> Iterator[tuple[str, dict[str, Any] | None, bool]]:
    """Every (document, variables, sent) in one module: `sent` when found beside its
    variables or as an argument, else a document standing alone (a constant)."""
    module = _Scope(tree.body, None)
    scopes: list[tuple[ast.AST, _Scope]] = [(tree, module)]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            scopes.append((node, _Scope(node.body, module)))
    seen: set[int] = set()
    for owner, scope in scopes:
        nodes = ast.walk(owner) if owner is not tree else (
            n for n in ast.walk(tree) if not _inside_function(n, tree))
        for node in nodes:
            if id(node) in seen:
                continue
            for document_node, variables_node in _pairs(node):
                query = _documents(document_node, scope)
                if query is not None:
                    seen.add(id(document_node))
                    yield query, _variables(variables_node, scope), True
            if isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp) \
                    and id(node) not in seen and not getattr(node, "_part", False):
                query = _documents(node, scope)
                if query is not None:
                    seen.add(id(node))
                    yield query, None, False


def _inside_function(node: ast.AST, tree: ast.Module) -> bool:
    return getattr(node, "_in_function", False)


def _mark_functions(tree: ast.Module) -> None:
    """Note which nodes sit in a function, and which are parts of a longer text."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            for part in (node.left, node.right):
                part._part = True  # type: ignore[attr-defined]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(node):
                if child is not node:
                    child._in_function = True  # type: ignore[attr-defined]


def _pairs(node: ast.AST) -> Iterator[tuple[ast.expr, ast.expr | None]]:
    """Places where a document and its variables sit side by side."""
    if isinstance(node, ast.Call):
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        for index, arg in enumerate(node.args):
            following = node.args[index + 1] if index + 1 < len(node.args) else None
            yield arg, following if following is not None else keywords.get("variables")
        if "query" in keywords:
            yield keywords["query"], keywords.get("variables")
    elif isinstance(node, ast.Dict):
        entries = {k.value: v for k, v in zip(node.keys, node.values, strict=True)
                   if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        if "query" in entries:
            yield entries["query"], entries.get("variables")
    elif isinstance(node, ast.Tuple):
        for index, element in enumerate(node.elts):
            following = node.elts[index + 1] if index + 1 < len(node.elts) else None
            yield element, following


def extract() -> list[Entry]:
    """The corpus, in a stable order (document text, then variables)."""
    sources: dict[tuple[str, str], set[str]] = {}
    values: dict[tuple[str, str], dict[str, Any] | None] = {}
    alone: dict[str, set[str]] = {}
    for path in sorted(TESTS.rglob("*.py")):
        if Path(__file__).parent in path.parents:
            continue
        tree = ast.parse(path.read_text(), str(path))
        _mark_functions(tree)
        for query, variables, sent in _found(tree):
            where = str(path.relative_to(ROOT))
            if not sent:
                alone.setdefault(query, set()).add(where)
                continue
            key = (query, json.dumps(variables, sort_keys=True))
            sources.setdefault(key, set()).add(where)
            values[key] = variables
    # a constant bound to a name the suite sends is already there, with its variables
    sent_texts = {query for query, _ in values}
    for query, places in alone.items():
        if query not in sent_texts:
            sources[(query, "null")] = places
            values[(query, "null")] = None
    return [
        Entry(query, values[(query, encoded)], tuple(sorted(sources[(query, encoded)])))
        for query, encoded in sorted(values)
    ]


def render(entries: list[Entry]) -> str:
    lines = [
        '"""The GraphQL documents the test suite holds, with their variables.',
        "",
        "Generated by `python -m tests.differential.extract_corpus --write`; do not edit.",
        '"""',
        "",
        "# ruff: noqa: E501",
        "from tests.differential.extract_corpus import Entry, contract",
        "",
        "SUITE: tuple[Entry, ...] = (",
    ]
    names = {text: name for name, text in contract_operations().items()}
    for entry in entries:
        lines.append("    Entry(")
        if entry.query in names:
            lines.append(f"        contract({names[entry.query]!r}),")
        else:
            lines.append(f"        {entry.query!r},")
        lines.append(f"        {entry.variables!r},")
        lines.append(f"        {entry.sources!r},")
        lines.append("    ),")
    lines.append(")")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render(extract())
    if "--write" in argv:
        OUTPUT.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
