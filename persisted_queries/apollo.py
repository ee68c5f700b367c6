"""Documents exactly as Apollo Client sends them, so manifest ids match its hashes.

Apollo Client 3 transforms a document before sending it (its cache adds
`__typename` to every selection set except an operation's root one; client-only
directives are stripped) and prints it with graphql-js 16's `print`; Apollo's
manifest generator also sorts the top-level definitions (operations first,
then fragments, each by name). graphql-core 3.3's `print_ast` follows
graphql-js 17, which prints object values as `{ a: 1 }` and wraps long lists;
graphql-js 16 prints `{a: 1}` and never wraps a list, so those two printers
are replaced here. Cross-checked against the real packages: see
tests/test_persisted_queries_apollo.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from sys import maxsize
from typing import Any

from graphql import (
    DefinitionNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    NameNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    visit,
)
from graphql.language import printer
from graphql.language.printer import PrintBuffer, join, render
from graphql.language.reducer import reduce

# Directives Apollo Client removes before a document goes on the wire
# (QueryManager.getDocumentInfo: `serverQuery`).
STRIPPED_DIRECTIVES = frozenset({"connection", "nonreactive", "unmask"})


class ClientOnlyFieldError(ValueError):
    """`@client` fields: Apollo Client removes them; this module refuses rather than guess."""


def _list_value_js16(node: Any) -> PrintBuffer:
    return join(("[", join(node.values, ", "), "]"))


def _object_value_js16(node: Any) -> PrintBuffer:
    return join(("{", join(node.fields, ", "), "}"))


_JS16_REDUCER = {
    **printer.print_doc_ast_reducer,
    "list_value": _list_value_js16,
    "object_value": _object_value_js16,
}


def print_js16(node: Node) -> str:
    """graphql-js 16's `print(node)`, byte for byte."""
    return render(reduce(node, _JS16_REDUCER), maxsize)


_TYPENAME = FieldNode(
    name=NameNode(value="__typename"), alias=None, arguments=(), directives=(),
    selection_set=None,
)


class _ApolloTransform(Visitor):
    """`addTypenameToDocument` plus the client-directive stripping of Apollo Client 3."""

    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        if node.name.value == "client":
            raise ClientOnlyFieldError(
                "client-only fields (@client) are not supported: Apollo Client strips them "
                "before sending; remove them from the persisted operation"
            )
        if node.name.value in STRIPPED_DIRECTIVES:
            return self.REMOVE
        return None

    def enter_selection_set(
        self, node: SelectionSetNode, _key: Any, parent: Any, *_: Any
    ) -> Any:
        if isinstance(parent, OperationDefinitionNode):
            return None
        if any(
            isinstance(s, FieldNode) and s.name.value.startswith("__") for s in node.selections
        ):
            return None
        if isinstance(parent, FieldNode) and any(
            d.name.value == "export" for d in parent.directives or ()
        ):
            return None
        return SelectionSetNode(selections=(*node.selections, _TYPENAME))


def sort_top_level(document: DocumentNode) -> DocumentNode:
    """`sortTopLevelDefinitions` of @apollo/persisted-query-lists: operations, then fragments."""

    def key(definition: DefinitionNode) -> tuple[int, str]:
        name = getattr(definition, "name", None)
        kind_rank = 0 if isinstance(definition, OperationDefinitionNode) else 1
        return kind_rank, name.value if name else ""

    return DocumentNode(definitions=tuple(sorted(document.definitions, key=key)))


def apollo_document(document: DocumentNode) -> DocumentNode:
    """The document as Apollo Client's cache transforms it before sending."""
    transformed: DocumentNode = visit(document, _ApolloTransform())
    return transformed


def apollo_body(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> str:
    """The manifest body Apollo's generator writes for one operation (fragments it uses)."""
    definitions: list[DefinitionNode] = [operation]
    definitions += [fragments[name] for name in used_fragments(operation, fragments)]
    document = apollo_document(DocumentNode(definitions=tuple(definitions)))
    return print_js16(sort_top_level(document))


def used_fragments(
    root: Node, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[str]:
    """Names of the fragments `root` spreads, transitively, in first-use order.

    A fragment that is not defined is left out; validation reports it.
    """
    found: dict[str, None] = {}
    pending: list[Node] = [root]
    while pending:
        node = pending.pop()
        for name in _spreads(node):
            if name not in found and name in fragments:
                found[name] = None
                pending.append(fragments[name])
    return list(found)


def _spreads(node: Node) -> Iterable[str]:
    names: list[str] = []

    class Collect(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.append(spread.name.value)

    visit(node, Collect())
    return names
