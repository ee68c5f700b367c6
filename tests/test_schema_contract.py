"""The server's schema honours contract/schema.graphql field for field."""

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
    assert problems == ["Product.price: Money != Money!"]
