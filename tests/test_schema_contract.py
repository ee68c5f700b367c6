"""The server's schema honours contract/schema.graphql field for field, and the comparison
(`schema.compatibility`, run by `bff schema check`) says what breaks a client and what not."""

from __future__ import annotations

from graphql import build_schema as build_sdl

from schema import build_schema
from tests.contract_check import contract_schema, differences


def test_printed_schema_contains_the_contract() -> None:
    printed = build_schema().as_str()
    assert differences(contract_schema(), build_sdl(printed)) == []


def test_the_checker_notices_a_broken_contract() -> None:
    broken = build_schema().as_str().replace("price: Money!", "price: Money")
    problems = differences(contract_schema(), build_sdl(broken))
    assert problems == ["Product.price: type Money, the contract has Money!"]


BEFORE = """
directive @hint(level: Int) on FIELD
interface Node { id: ID! }
type Item implements Node { id: ID! size(unit: String): Int }
type Other { id: ID! }
union Found = Item | Other
input Filter { text: String }
type Query { find(filter: Filter): Found items: [Item] }
"""


def test_additions_pass() -> None:
    after = build_sdl("""
directive @hint(level: Int, scope: String) on FIELD | FRAGMENT_SPREAD
directive @extra on FIELD
interface Node { id: ID! }
interface Named { name: String }
type Item implements Node & Named {
  id: ID! name: String size(unit: String, round: Boolean = true): Int
}
type Other { id: ID! }
type Third { id: ID! }
union Found = Item | Other | Third
input Filter { text: String limit: Int = 10 tags: [String!] }
type Query { find(filter: Filter, first: Int): Found items: [Item] more: Int }
""")
    assert differences(build_sdl(BEFORE), after) == []


def test_what_breaks_clients_is_named() -> None:
    after = build_sdl("""
directive @hint on FIELD_DEFINITION
type Item { id: ID! size(unit: String!): Int }
type Other { id: ID! }
union Found = Item
input Filter { text: String required: Boolean! }
type Query { find(filter: Filter, page: Int!): Found items: [Item] }
""")
    assert differences(build_sdl(BEFORE), after) == [
        "Node: type removed",
        "Item: no longer implements Node",
        "Item.size(unit:): type String!, the contract has String",
        "Found: no longer includes Other",
        "Filter.required: new required input field",
        "Query.find(page:): new required argument",
        "@hint: no longer allowed on FIELD",
        "@hint(level:): argument removed",
    ]
