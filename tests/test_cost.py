"""Static cost analysis and query limits: hand-computed costs, and attacks refused before any
upstream call."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from app import errors
from app.admission import Admission
from app.limits import Limits
from planner.cost import estimate
from schema import build_schema
from tests.conftest import operation
from tests.servers import Client, Demo

SCHEMA = build_schema()._schema
GENEROUS = Limits(max_depth=1000, max_aliases=100_000, max_root_fields=1000, max_directives=100,
                  max_tokens=1_000_000, max_cost=10_000_000)


def admit(query: str, variables: dict[str, Any] | None = None,
          limits: Limits = GENEROUS) -> Any:
    admission = Admission(SCHEMA, cache_size=0, introspection=True, limits=limits)
    return admission.operation(admission.document(query), None, variables)


def cost_of(query: str, variables: dict[str, Any] | None = None) -> int:
    requested: int = admit(query, variables).cost
    return requested


# Hand-computed. A field that fetches an object weighs 1, a list multiplies its
# selection by its size (`first`, the number of ids, the parent's `first` for `edges`,
# or the declared assumed size), scalars weigh 0.
def test_contract_operations_costs() -> None:
    # search 1 + 20 edges x (node 1 + price 1 + compareAtPrice 1 + availability 1 + rating 1)
    assert cost_of(operation("SearchResults"), {"query": "x"}) == 1 + 20 * 5
    assert cost_of(operation("SearchResults"), {"query": "x", "first": 50}) == 1 + 50 * 5
    # product 1 + price, compareAtPrice, availability, rating 4 + reviews (1 + 5 x author 1)
    # + deliveryEstimate 1 + related (1 + 4 x (price 1 + rating 1))
    assert cost_of(operation("ProductPage"), {"id": "p1", "postcode": "1"}) == 1 + 4 + 6 + 1 + 9
    # viewer 1 + recentOrders 1 + cartSummary 1 + promotions 1
    # + recommendations (1 + 6 x (price 1 + availability 1 + rating 1))
    assert cost_of(operation("HomeScreen")) == 1 + 1 + 1 + 1 + 1 + 6 * 3
    assert cost_of(operation("HomeScreen"), {"recoCount": 24}) == 5 + 24 * 3
    # viewer 1 + cart 1 + 20 assumed items x (product 1 + availability 1)
    assert cost_of(operation("CartView")) == 1 + 1 + 20 * 2
    add = {"input": {"productId": "p1", "quantity": 1, "idempotencyKey": "k"}}
    assert cost_of(operation("AddToCart"), add) == 1
    assert cost_of(operation("RemoveFromCart"), {"input": {"productId": "p1",
                                                           "idempotencyKey": "k"}}) == 1


def test_every_contract_operation_passes_the_default_limits() -> None:
    from app.limits import query_limits
    from app.settings import load_settings

    limits = query_limits(load_settings({}))
    variables = {"query": "x", "id": "p1", "postcode": "1"}
    inputs = {"AddToCart": {"productId": "p1", "quantity": 1, "idempotencyKey": "k"},
              "RemoveFromCart": {"productId": "p1", "idempotencyKey": "k"}}
    for name in ("SearchResults", "ProductPage", "HomeScreen", "CartView", "AddToCart",
                 "RemoveFromCart"):
        text = operation(name)
        admission = Admission(SCHEMA, cache_size=0, introspection=True, limits=limits)
        document = admission.document(text)
        wanted = {v.variable.name.value for op in document.operations.values()
                  for v in op.variable_definitions or ()}
        given = {**variables, "input": inputs.get(name)}
        op = admission.operation(document, None, {k: v for k, v in given.items() if k in wanted})
        assert op.cost * 3 <= limits.max_cost, name  # room to spare: three times over


def test_fragments_inline_fragments_and_aliases_count() -> None:
    direct = cost_of('{ product(id: "p1") { price { amount } rating { count } } }')
    assert direct == 3
    via_fragments = cost_of(
        'fragment P on Product { price { amount } ... on Product { rating { count } } } '
        '{ product(id: "p1") { ...P } }'
    )
    assert via_fragments == 3
    aliased = cost_of('{ a: product(id: "p1") { price { amount } } '
                      'b: product(id: "p2") { price { amount } } }')
    assert aliased == 4


def test_nested_lists_multiply() -> None:
    query = ('{ search(query: "x", first: 10) { edges { node { '
             'reviews(first: 3) { edges { node { author { displayName } } } } '
             'related(first: 2) { related(first: 2) { price { amount } } } } } } }')
    # search 1 + 10 x (node 1 + reviews (1 + 3 x 1) + related (1 + 2 x (1 + 2 x 1)))
    assert cost_of(query) == 1 + 10 * (1 + 4 + 7)


def test_variables_and_defaults() -> None:
    query = 'query Q($n: Int) { search(query: "x", first: $n) { edges { node { title } } } }'
    assert cost_of(query, {"n": 7}) == 1 + 7
    assert cost_of(query) == 1 + 20  # the argument's default when the variable is absent
    ids = "query Q($ids: [ID!]!) { products(ids: $ids) { price { amount } } }"
    assert cost_of(ids, {"ids": ["a", "b", "c"]}) == 1 + 3


def test_skip_and_include() -> None:
    query = ('query Q($a: Boolean!, $b: Boolean!) { product(id: "p1") { '
             'price @skip(if: $a) { amount } rating @include(if: $b) { count } } }')
    assert cost_of(query, {"a": False, "b": True}) == 3
    assert cost_of(query, {"a": True, "b": True}) == 2
    assert cost_of(query, {"a": True, "b": False}) == 1


def test_introspection_costs_nothing_but_is_still_bounded() -> None:
    assert cost_of("{ __schema { types { name fields { name } } } }") == 0
    assert cost_of('{ __typename product(id: "p") { __typename } }') == 1


def test_recursive_fragments_are_refused_without_looping() -> None:
    with pytest.raises(errors.RequestError) as refused:
        admit('fragment A on Product { related { ...B } } '
              'fragment B on Product { related { ...A } } { product(id: "p") { ...A } }')
    assert refused.value.code == errors.GRAPHQL_VALIDATION_FAILED


def test_breakdown_names_each_costly_field() -> None:
    op = admit(operation("ProductPage"), {"id": "p1", "postcode": "1"})
    analysis = estimate(op.plan, op.arguments, breakdown=True)
    by_path = {f.path: f for f in analysis.fields}
    assert by_path["product.related"].multiplier == 4
    assert by_path["product.related"].total == 9
    assert by_path["product"].total == analysis.cost == 21


@pytest.mark.parametrize(
    ("limits", "query", "code", "limit", "measured"),
    [
        (dict(max_depth=5), '{ product(id: "p") { reviews { edges { node { author '
                            '{ displayName } } } } } }', "MAX_DEPTH_LIMIT", 5, 6),
        (dict(max_aliases=2), '{ a: product(id: "p") { id } b: product(id: "p") { id } '
                              'c: product(id: "p") { id } }', "MAX_ALIASES_LIMIT", 2, 3),
        (dict(max_root_fields=2), '{ viewer { id } home { promotions { id } } '
                                  'product(id: "p") { id } }', "MAX_ROOT_FIELDS_LIMIT", 2, 3),
        (dict(max_tokens=20), operation("ProductPage"), "MAX_TOKENS_LIMIT", 20, 21),
        (dict(max_cost=100), operation("SearchResults"), "COST_ESTIMATED_TOO_EXPENSIVE",
         100, 101),
    ],
)
def test_each_limit_has_its_code_and_figures(
    limits: dict[str, int], query: str, code: str, limit: int, measured: int
) -> None:
    chosen = dataclasses.replace(GENEROUS, **limits)
    with pytest.raises(errors.RequestError) as refused:
        admit(query, {"query": "x", "id": "p", "postcode": "1"}, chosen)
    assert refused.value.code == code
    assert refused.value.status == 400
    assert refused.value.extensions == {"limit": limit, "measured": measured}


# ---------------------------------------------------------------- attacks over HTTP

def _refused(client: Client, query: str, code: str) -> dict[str, Any]:
    response = client.post(query, headers={"Accept": "application/json"})
    assert response.status_code == 400, response.text[:300]
    error: dict[str, Any] = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    assert isinstance(error["extensions"]["limit"], int)
    assert isinstance(error["extensions"]["measured"], int)
    return error


def test_alias_bomb(client: Client, demo: Demo) -> None:
    query = "{ " + " ".join(f'a{i}: product(id: "p0001") {{ id }}' for i in range(300)) + " }"
    _refused(client, query, "MAX_ALIASES_LIMIT")
    assert demo.calls() == {}


def test_forty_deep_nesting(client: Client, demo: Demo) -> None:
    query = '{ product(id: "p0001") { ' + "related { " * 40 + "id" + " }" * 40 + " } }"
    error = _refused(client, query, "MAX_DEPTH_LIMIT")
    assert error["extensions"]["measured"] == 42
    assert demo.calls() == {}


def test_hundred_thousand_tokens(client: Client, demo: Demo) -> None:
    query = "{ " + "a " * 100_000 + "}"
    _refused(client, query, "MAX_TOKENS_LIMIT")
    assert demo.calls() == {}


def test_cost_a_thousand_times_the_limit(client: Client, demo: Demo) -> None:
    query = ('{ search(query: "x", first: 50) { edges { node { related(first: 12) { '
             'related(first: 12) { related(first: 12) { reviews(first: 20) { edges { node { '
             'author { displayName } } } } } } } } } } }')
    error = _refused(client, query, "COST_ESTIMATED_TOO_EXPENSIVE")
    assert error["extensions"]["measured"] >= 1000 * error["extensions"]["limit"]
    assert demo.calls() == {}


def test_fragment_bomb_is_measured_in_linear_time(client: Client, demo: Demo) -> None:
    fragments = " ".join(
        f"fragment F{i} on Product {{ a: related {{ ...F{i + 1} }} b: related {{ ...F{i + 1} }} }}"
        for i in range(30)
    ) + " fragment F30 on Product { id }"
    query = fragments + ' { product(id: "p0001") { ...F0 } }'
    error = _refused(client, query, "MAX_DEPTH_LIMIT")
    assert error["extensions"]["measured"] > 15
    assert demo.calls() == {}


def test_bff_cost_assumes_missing_variables_at_their_most() -> None:
    """Missing variables that size a list count at the argument's declared maximum, those
    of @include/@skip count the guarded fields, others are ignored: each one said."""
    from app.cost_report import report
    from app.settings import load_settings

    query = ('query($ids: [ID!]!, $n: Int, $with: Boolean!, $q: String!, $after: String) {'
             ' products(ids: $ids) { price { amount } }'
             ' search(query: $q, first: $n, after: $after) {'
             '  edges { node { rating @include(if: $with) { count } } } } }')
    text, over = report(load_settings({}), query, None, None)
    assert not over
    total = next(line for line in text.splitlines() if line.startswith("TOTAL"))
    # products 1 + 50 x price 1; search 1 + 50 x (node 1 + rating 1)
    assert total.split()[1] == str(1 + 50 + 1 + 50 * 2)
    assumed = text.split("variables not given, assumed:\n")[1].splitlines()
    assert assumed == [
        "  $ids: 50 items (`products(ids:)` at its declared maximum)",
        "  $n: 50 (`search(first:)` at its declared maximum)",
        "  $with: true (counts the fields @include guards)",
        "  $q: ignored (sizes nothing; a placeholder stands in)",
    ]
    given, _ = report(load_settings({}), query, {"ids": ["p1"], "n": 2, "with": False,
                                                  "q": "lamp"}, None)
    assert next(line for line in given.splitlines() if line.startswith("TOTAL")).split()[1] \
        == str(1 + 1 + 1 + 2 * 1)
    assert "assumed" not in given
