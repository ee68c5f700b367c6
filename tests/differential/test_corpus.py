"""The contract operations and every query of the test suite, through both executors,
anonymous and signed in, against healthy upstreams."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

from tests.differential import extract_corpus
from tests.differential.compare import assert_same
from tests.differential.contract_corpus import READS
from tests.differential.exchange import Pair, Request
from tests.differential.schema_facts import SCHEMA
from tests.differential.suite_corpus import SUITE

IDENTITIES = (None, "u0001")


def changes_state(query: str) -> bool:
    """A mutation: the carts are reset before each path, so both start from the same state."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    return any(isinstance(d, OperationDefinitionNode) and d.operation is OperationType.MUTATION
               for d in document.definitions)


def compare(pair: Pair, query: str, variables: dict[str, Any] | None, label: str) -> None:
    prepare = pair.demo.reset if changes_state(query) else None
    for user in IDENTITIES:
        request = Request(query, variables, user=user, label=label)
        assert_same(SCHEMA, request, *pair.send(request, prepare=prepare))


def _label(query: str) -> str:
    return " ".join(query.split())[:60]


@pytest.mark.parametrize(("query", "variables"), READS,
                         ids=[f"{_label(q)}:{v}" for q, v in READS])
def test_contract_operations(pair: Pair, query: str, variables: dict[str, Any] | None) -> None:
    compare(pair, query, variables, "contract operations")


@pytest.mark.parametrize("entry", SUITE, ids=[_label(e.query) for e in SUITE])
def test_suite_queries(pair: Pair, entry: extract_corpus.Entry) -> None:
    compare(pair, entry.query, entry.variables, ", ".join(entry.sources))


def test_next_pages(pair: Pair) -> None:
    """Cursors the reference server handed out, passed back as `after` to both."""
    search = extract_corpus.contract("SearchResults")
    first = Request(search, {"query": "shoe", "first": 7})
    _, page = pair.send(first)
    cursors = [edge["cursor"] for edge in page.body["data"]["search"]["edges"]]
    assert len(cursors) == 7
    for after in (cursors[0], cursors[3], cursors[-1]):
        request = Request(search, {"query": "shoe", "first": 5, "after": after})
        assert_same(SCHEMA, request, *pair.send(request))
    reviews = ('query R($after: String) { product(id: "p0001") { reviews(first: 2, after: $after)'
               ' { edges { cursor node { id title author { displayName } } } '
               "pageInfo { hasNextPage endCursor } } } }")
    _, page = pair.send(Request(reviews))
    end = page.body["data"]["product"]["reviews"]["pageInfo"]["endCursor"]
    assert end
    request = Request(reviews, {"after": end})
    assert_same(SCHEMA, request, *pair.send(request))


def test_the_corpus_is_what_the_suite_holds() -> None:
    """suite_corpus.py is regenerated from the tests (extract_corpus.py), not curated."""
    current = extract_corpus.render(extract_corpus.extract())
    assert extract_corpus.OUTPUT.read_text() == current, (
        "tests/differential/suite_corpus.py is stale: run "
        "`python -m tests.differential.extract_corpus --write`")
    assert len(SUITE) >= 100
