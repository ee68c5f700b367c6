"""The planner's own promises: one plan per document and conditions, made at start-up for the
manifests, and graphql-core for what it does not plan."""

from __future__ import annotations

from typing import Any

from app.admission import Admission
from app.limits import query_limits
from app.settings import load_settings
from persisted_queries.factory import build_resolver
from planner.plan import FETCHED, Plan
from schema import build_schema
from tests.conftest import operation
from tests.servers import Client, Demo


def _admission() -> Admission:
    return Admission(build_schema()._schema, cache_size=16, introspection=True,
                     limits=query_limits(load_settings({})))


def _plan(admission: Admission, query: str, variables: dict[str, Any] | None = None) -> Plan:
    return admission.operation(admission.document(query), None, variables).plan


def test_a_document_is_planned_once_per_condition_values() -> None:
    admission = _admission()
    query = ('query Q($n: Int, $full: Boolean!) { search(query: "lamp", first: $n) { '
             'edges { node { id ...Full @include(if: $full) } } } } '
             'fragment Full on Product { title price { amount } }')
    short = _plan(admission, query, {"n": 3, "full": False})
    assert _plan(admission, query, {"n": 7, "full": False}) is short  # `first` is per request
    full = _plan(admission, query, {"n": 3, "full": True})
    assert full is not short
    assert _plan(admission, query, {"n": 1, "full": True}) is full

    def node_fields(plan: Plan) -> list[str]:
        search = plan.root.fields[0]
        edges = search.shape.selection.fields[0]  # type: ignore[union-attr]
        node = edges.shape.item.selection.fields[0]  # type: ignore[union-attr]
        return [f.key for f in node.shape.selection.fields]  # type: ignore[union-attr]

    assert node_fields(short) == ["id"]
    assert node_fields(full) == ["id", "title", "price"]


def test_fields_of_a_level_that_fetch_are_known_from_the_plan() -> None:
    plan = _plan(_admission(), operation("ProductPage"), {"id": "p0001", "postcode": "1"})
    product = plan.root.fields[0].shape.selection
    assert product is not None and product.entity is not None
    fetched = {f.key for f in product.fetched}
    assert fetched == {"price", "compareAtPrice", "onSale", "availability", "rating",
                       "reviews", "deliveryEstimate", "related"}
    assert all(f.kind == FETCHED and f.on_key for f in product.fetched)


def test_manifest_documents_are_planned_at_start_up() -> None:
    admission = _admission()
    resolver = build_resolver(load_settings({}), admission)
    documents = [resolver._manifest_document(entry).document for entry in resolver._manifests]
    assert documents
    for document in documents:
        assert len(document.plans) == len(document.operations), document.hash


def test_introspection_is_left_to_graphql_core(client: Client, demo: Demo) -> None:
    query = '{ __schema { queryType { name } } product(id: "p0001") { id __typename } }'
    assert _plan(_admission(), query).executable is False
    assert client.data(query) == {
        "__schema": {"queryType": {"name": "Query"}},
        "product": {"id": "p0001", "__typename": "Product"},
    }
