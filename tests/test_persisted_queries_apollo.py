# ruff: noqa: E501  (recorded outputs of the real packages, kept verbatim)
"""Cross-checks against the real Apollo Client and graphql-js, from recorded outputs.

The expected values below were produced offline (node 20) with the real packages:
`npm install graphql@16 @apollo/client@3 @apollo/generate-persisted-query-manifest
@apollo/persisted-query-lists` (resolved: graphql 16.15.0, @apollo/client 3.14.1,
@apollo/generate-persisted-query-manifest 1.4.0, @apollo/persisted-query-lists 1.1.0;
graphql 16.8.1 printed the PRINT_CASES identically), then:
- PRINT_CASES: `print(parse(doc))` from graphql-js 16;
- GENERATOR_*: `npx generate-persisted-query-manifest` over GENERATOR_SOURCES in `src/`;
- APOLLO_CLIENT_HASHES: `extensions.persistedQuery.sha256Hash` captured from the requests
  a real ApolloClient (InMemoryCache, createPersistedQueryLink({sha256}), HttpLink with a
  recording fetch) sent for each file of ../shared/contract/operations
  (persisted_queries/tools/apollo_hashes.mjs).
So the suite runs offline, and any drift in our printer or transform fails here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from graphql import parse, print_ast

from app.admission import Admission
from app.limits import query_limits
from app.settings import load_settings
from persisted_queries import build as builder
from persisted_queries.apollo import ClientOnlyFieldError, apollo_body, print_js16
from persisted_queries.manifest import SHIPPED_DIR, manifest_json, read_manifest
from schema import build_schema
from tests.contract_check import CONTRACT

OPERATIONS = CONTRACT / "operations"

PRINT_CASES = [
    ('query A($a: Int = 1, $b: [String!]! = ["x", "y"], $c: SomeInput = {a: 1, b: {c: [1,2]}}) @dir(x: 1) { f(a: $a, b: $b) @include(if: true) { ...F ... on T { g } ... @skip(if: false) { h } } }\nfragment F on T { id }',
     'query A($a: Int = 1, $b: [String!]! = ["x", "y"], $c: SomeInput = {a: 1, b: {c: [1, 2]}}) @dir(x: 1) {\n  f(a: $a, b: $b) @include(if: true) {\n    ...F\n    ... on T {\n      g\n    }\n    ... @skip(if: false) {\n      h\n    }\n  }\n}\n\nfragment F on T {\n  id\n}'),
    ('{ product(id: "p0001") { title } }',
     '{\n  product(id: "p0001") {\n    title\n  }\n}'),
    ('query Long { search(query: "a very long search query string that goes on", first: 20, after: "cursor-value-long") { totalCount } }',
     'query Long {\n  search(\n    query: "a very long search query string that goes on"\n    first: 20\n    after: "cursor-value-long"\n  ) {\n    totalCount\n  }\n}'),
    ('query S { a(s: """\n  block\n    string "quoted"\n  end\n""") { b } c(s: """one line""") d(s: """  leading space""") e(s: """ends with quote\\"""""") }',
     'query S {\n  a(s: """\n  block\n    string "quoted"\n  end\n  """) {\n    b\n  }\n  c(s: """one line""")\n  d(s: """  leading space""")\n  e(s: """\n  ends with quote\\"""\n  """)\n}'),
    ('query U { a(s: "unicode \\u00e9 \\n tab\\t quote\\" slash\\\\ ctrl\\u0001 del\\u007f emoji 😀 \\u2028") }',
     'query U {\n  a(s: "unicode é \\n tab\\t quote\\" slash\\\\ ctrl\\u0001 del\\u007F emoji 😀 \u2028")\n}'),
    ('subscription Sub { x }',
     'subscription Sub {\n  x\n}'),
    ('query V($a: Int! @deprecated, $b: Float = 1.5e10, $e: E = ENUM_V, $n: String = null) { f(a: $a, b: $b, e: $e, n: $n, o: {}, l: []) }',
     'query V($a: Int! @deprecated, $b: Float = 1.5e10, $e: E = ENUM_V, $n: String = null) {\n  f(a: $a, b: $b, e: $e, n: $n, o: {}, l: [])\n}'),
    ('query AliasLong($someVariableNameThatIsLong: String, $anotherVariableNameThatIsLong: String, $third: Int) { aliasName: someField(argumentOne: $someVariableNameThatIsLong, argumentTwo: $anotherVariableNameThatIsLong) { x } }',
     'query AliasLong($someVariableNameThatIsLong: String, $anotherVariableNameThatIsLong: String, $third: Int) {\n  aliasName: someField(\n    argumentOne: $someVariableNameThatIsLong\n    argumentTwo: $anotherVariableNameThatIsLong\n  ) {\n    x\n  }\n}'),
    ('query D { a(x: """multi\nline with \\""" escaped""") }',
     'query D {\n  a(x: """\n  multi\n  line with \\""" escaped\n  """)\n}'),
    ('query E { a(x: """""") b(x: "") c(x: """  """) }',
     'query E {\n  a(x: """""")\n  b(x: "")\n  c(x: """""")\n}'),
    ('query F { a(x: """line\n\n\n  more""") b(x: """\ttab start""") c(x: """ends with backslash\\ """) }',
     'query F {\n  a(x: """\n  line\n  \n  \n  more\n  """)\n  b(x: """\ttab start""")\n  c(x: """ends with backslash\\ """)\n}'),
    ('query G { a(x: "has \\"\\"\\" triple") b(x: """  \n  indented first\n  second""") }',
     'query G {\n  a(x: "has \\"\\"\\" triple")\n  b(x: """\n  indented first\n  second\n  """)\n}'),
    ('query H($v: [[Int!]]) { a(long: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]) }',
     'query H($v: [[Int!]]) {\n  a(\n    long: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]\n  )\n}'),
    ('query I { a { ... on T @x { b } ... { c } } }',
     'query I {\n  a {\n    ... on T @x {\n      b\n    }\n    ... {\n      c\n    }\n  }\n}'),
    ('query J { a(o: {key: "value", other: {nested: [1, 2]}, third: ENUM}) }',
     'query J {\n  a(o: {key: "value", other: {nested: [1, 2]}, third: ENUM})\n}'),
]

GENERATOR_SOURCES = {
    "AddTwo.graphql": 'mutation AddTwo { addToCart(input: {productId: "p0001", quantity: 2, idempotencyKey: "k-1"}) { cart { itemCount } userErrors { code } } }\n',
    "SearchTwo.graphql": '# comment\nquery SearchTwo($q: String! = "shoes", $n: Int = 5) {\n  s: search(query: $q, first: $n) @connection(key: "search") {\n    __typename\n    totalCount\n    edges { node { ...ProductCard availability { status } } }\n  }\n  products(ids: ["p0001", "p0002", "p0003", "p0004", "p0005", "p0006", "p0007", "p0008", "p0009", "p0010"]) { id }\n  b: search(query: """block "quoted" text""", first: 1) { totalCount }\n}\n',
    "fragments.graphql": 'fragment PriceParts on Money { amount currency }\nfragment ProductCard on Product {\n  id\n  title\n  price { ...PriceParts }\n  ... on Product { brand }\n}\n',
}
GENERATOR_IDS = {
    "AddTwo": "77392cd2507dcd8bea08c94c26c8e83ee50711bfea2d2bafe02c20576f6f30c0",
    "SearchTwo": "f364e149424661726fa323b3aae0a213c47c7bd2df7ef78f4dd498b7d8adfc3d",
}
GENERATOR_SEARCH_TWO_BODY = 'query SearchTwo($q: String! = "shoes", $n: Int = 5) {\n  s: search(query: $q, first: $n) {\n    __typename\n    totalCount\n    edges {\n      node {\n        ...ProductCard\n        availability {\n          status\n          __typename\n        }\n        __typename\n      }\n      __typename\n    }\n  }\n  products(\n    ids: ["p0001", "p0002", "p0003", "p0004", "p0005", "p0006", "p0007", "p0008", "p0009", "p0010"]\n  ) {\n    id\n    __typename\n  }\n  b: search(query: """block "quoted" text""", first: 1) {\n    totalCount\n    __typename\n  }\n}\n\nfragment PriceParts on Money {\n  amount\n  currency\n  __typename\n}\n\nfragment ProductCard on Product {\n  id\n  title\n  price {\n    ...PriceParts\n    __typename\n  }\n  ... on Product {\n    brand\n    __typename\n  }\n  __typename\n}'
# sha256 of the whole persisted-query-manifest.json the generator wrote for GENERATOR_SOURCES.
GENERATOR_FILE_SHA256 = "99defef611e7b44bc2c2f8adc60a0c017dc69bc3cb0304b6cded31e335b58f78"

APOLLO_CLIENT_HASHES = {
    "AddToCart": "24d0e1a8c30d8e0d4fb29f8bbb5197b6f2008942751b7f1d431c6c8fdaf4316f",
    "CartView": "5e67f08d4552cbfe49c0a2e4a6df57b84cd6a65c19633c722c4a173e817bf3cc",
    "HomeScreen": "6c41a4dfec98fe8c41743727ba2bfb9c93ca57873f9eb435342c2a131a337979",
    "ProductPage": "2055591474fdd16a312bdcd6d7e583af95b9a2fedabfca2785cdcda82ae56355",
    "RemoveFromCart": "298ead593a2cbadcac075dc42ca0fffd5d91dbce9e68ba24b525223c23cae742",
    "SearchResults": "528cfbdc8edd899149a975e86369c785303fd82d9669fc9155ec861c10fe9a65",
}


@pytest.fixture(scope="module")
def admission() -> Admission:
    return Admission(build_schema()._schema, cache_size=0, introspection=True,
                     limits=query_limits(load_settings({})))


@pytest.mark.parametrize(("document", "expected"), PRINT_CASES)
def test_printer_matches_graphql_js_16(document: str, expected: str) -> None:
    assert print_js16(parse(document)) == expected


def test_graphql_core_print_differs_where_we_replace_it() -> None:
    """Why print_js16 exists: graphql-core 3.3 follows graphql-js 17 for these."""
    differing = [(d, e) for d, e in PRINT_CASES if print_ast(parse(d)) != e]
    assert differing, "if graphql-core now prints like graphql-js 16, simplify print_js16"
    assert all("{" in e.split("\n", 1)[0] or "[" in e for _, e in differing)


def test_build_apollo_matches_apollos_generator_byte_for_byte(
    admission: Admission, tmp_path: Path
) -> None:
    for name, text in GENERATOR_SOURCES.items():
        (tmp_path / name).write_text(text)
    operations, problems = builder.build(tmp_path, admission, apollo=True)
    assert problems == []
    assert {op.name: op.id for op in operations} == GENERATOR_IDS
    assert {op.name: op for op in operations}["SearchTwo"].body == GENERATOR_SEARCH_TWO_BODY
    written = manifest_json(operations)
    assert hashlib.sha256(written.encode()).hexdigest() == GENERATOR_FILE_SHA256


def test_shipped_apollo_manifest_has_the_hashes_apollo_client_sends(admission: Admission) -> None:
    shipped = {op.name: op for op in read_manifest(SHIPPED_DIR / "contract.apollo.json")}
    assert {name: op.id for name, op in shipped.items()} == APOLLO_CLIENT_HASHES
    for op in shipped.values():
        assert hashlib.sha256(op.body.encode()).hexdigest() == op.id
    # SearchResults as Apollo sends it differs from the file's text (HTTP.md).
    search_file = (OPERATIONS / "SearchResults.graphql").read_text()
    assert hashlib.sha256(search_file.encode()).hexdigest() != shipped["SearchResults"].id
    assert "__typename" in shipped["SearchResults"].body


@pytest.mark.parametrize(("manifest", "apollo"), [("contract.apollo.json", True),
                                                  ("contract.json", False)])
def test_shipped_manifests_are_up_to_date_with_the_contract(
    admission: Admission, manifest: str, apollo: bool
) -> None:
    """Rebuild with `bff pq build ../shared/contract/operations [--apollo] -o ...`."""
    operations, problems = builder.build(OPERATIONS, admission, apollo=apollo)
    assert problems == []
    assert manifest_json(operations) == (SHIPPED_DIR / manifest).read_text()


def test_exact_manifest_bodies_are_the_files_byte_for_byte() -> None:
    for op in read_manifest(SHIPPED_DIR / "contract.json"):
        assert op.body == (OPERATIONS / f"{op.name}.graphql").read_text()


def test_transform_adds_typename_except_at_the_root_and_keeps_existing_ones() -> None:
    document = parse("query Q { __typename home { __typename promotions { id } } }",
                     no_location=True)
    body = apollo_body(document.definitions[0], {})  # type: ignore[arg-type]
    assert body == ("query Q {\n  __typename\n  home {\n    __typename\n    promotions {\n"
                    "      id\n      __typename\n    }\n  }\n}")


def test_client_only_fields_are_refused_not_guessed() -> None:
    document = parse("query Q { home { promotions { id local @client } } }", no_location=True)
    with pytest.raises(ClientOnlyFieldError):
        apollo_body(document.definitions[0], {})  # type: ignore[arg-type]
