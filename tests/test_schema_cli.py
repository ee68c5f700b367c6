"""`bff schema print` and `bff schema check`, as real processes: the SDL client teams generate
code from, and the CI guard that the served schema keeps every contract it was given."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from graphql import (
    build_client_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)
from graphql import build_schema as build_sdl

from tests.contract_check import CONTRACT
from tests.servers import BffServer
from tests.test_cli import BFF, clean_env

CONTRACT_SDL = (CONTRACT / "schema.graphql").read_text()


def bff_schema(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BFF, "schema", *args], env=clean_env(), capture_output=True,
                          text=True, timeout=60, check=False)


def sorted_sdl(sdl: str) -> str:
    return print_schema(lexicographic_sort_schema(build_sdl(sdl)))


def test_print_writes_the_schema_the_server_serves(bff_server: BffServer,
                                                   tmp_path: Path) -> None:
    printed = bff_schema("print")
    assert printed.returncode == 0, printed.stderr
    introspected = httpx.post(bff_server.url, json={"query": get_introspection_query(
        descriptions=True, directive_is_repeatable=True)}, timeout=10).json()
    served = print_schema(lexicographic_sort_schema(build_client_schema(introspected["data"])))
    assert sorted_sdl(printed.stdout) == served
    assert "directive @defer(" in printed.stdout
    written = bff_schema("print", "-o", str(tmp_path / "schema.graphql"))
    assert written.returncode == 0 and written.stdout == ""
    assert (tmp_path / "schema.graphql").read_text() == printed.stdout


def test_check_passes_the_contract_and_additions(tmp_path: Path) -> None:
    """The contract as shipped (the server adds @defer), and a contract that knows less than
    the server: a type, a field, an enum value and an optional argument fewer."""
    shipped = bff_schema("check", str(CONTRACT / "schema.graphql"))
    assert shipped.returncode == 0, shipped.stderr
    assert "keeps everything" in shipped.stdout
    older = (CONTRACT_SDL
             .replace("  PLATINUM\n", "")
             .replace("  brand: String\n", "", 1)
             .replace("reviews(first: Int = 5, after: String)", "reviews(first: Int = 5)")
             .replace("\ntype DeliveryEstimate {\n  minDays: Int!\n  maxDays: Int!\n}\n", "\n")
             .replace("  \"Optional component (shipping service).\"\n"
                      "  deliveryEstimate(postcode: String!): DeliveryEstimate\n", ""))
    assert older.count("\n") == CONTRACT_SDL.count("\n") - 8, "every change applied"
    (tmp_path / "older.graphql").write_text(older)
    passed = bff_schema("check", str(tmp_path / "older.graphql"))
    assert passed.returncode == 0, passed.stderr


def test_check_names_each_break(tmp_path: Path) -> None:
    """Contracts the server no longer keeps: it lacks a field and an enum value the contract
    has, types a field and an argument differently, and requires an argument the contract
    does not know."""
    newer = (CONTRACT_SDL
             .replace("type Product {\n  id: ID!\n", "type Product {\n  id: ID!\n  gtin: String\n")
             .replace("  PLATINUM\n", "  PLATINUM\n  DIAMOND\n")
             .replace("  onSale: Boolean!\n", "  onSale: Boolean\n")
             .replace("deliveryEstimate(postcode: String!)", "deliveryEstimate(postcode: String)")
             .replace("  product(id: ID!): Product\n", "  product: Product\n"))
    (tmp_path / "newer.graphql").write_text(newer)
    failed = bff_schema("check", str(tmp_path / "newer.graphql"))
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert failed.stderr.splitlines() == [
        "bff schema check: Query.product(id:): new required argument",
        "bff schema check: LoyaltyTier.DIAMOND: enum value removed",
        "bff schema check: Product.gtin: field removed",
        "bff schema check: Product.onSale: type Boolean!, the contract has Boolean",
        "bff schema check: Product.deliveryEstimate(postcode:): type String!, "
        "the contract has String",
        f"bff schema check: the served schema breaks {tmp_path / 'newer.graphql'} in 5 places",
    ]


def test_check_refuses_what_is_not_a_schema(tmp_path: Path) -> None:
    (tmp_path / "broken.graphql").write_text("type Query { product(: ID): Product }")
    broken = bff_schema("check", str(tmp_path / "broken.graphql"))
    assert broken.returncode == 2
    assert broken.stderr.startswith(f"bff schema check: cannot read {tmp_path}/broken.graphql")
    missing = bff_schema("check", str(tmp_path / "absent.graphql"))
    assert missing.returncode == 2
