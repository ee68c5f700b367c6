"""Scalars, enums and small value types shared across the schema."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from resolvers.declare import Behaviour, declared

DateTime = NewType("DateTime", str)
"""ISO 8601 text. Upstreams already send it so: passed through, never parsed and re-printed."""

SCALARS: dict[object, ScalarDefinition] = {
    DateTime: strawberry.scalar(
        name="DateTime",
        description="ISO 8601 string with timezone, e.g. \"2026-11-21T09:32:11Z\".",
        serialize=str,
        parse_value=str,
    )
}


def composed(
    behaviour: Behaviour,
    *,
    arguments: Callable[..., Any] | None = None,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Any:
    """A field whose value comes from a declared behaviour (`resolvers.declare`).

    `arguments` is a signature only: Strawberry reads the field's arguments from
    it; execution goes through the behaviour (the planner, or graphql-core with
    `resolvers.reference`), never through that function.
    """
    merged = {**(metadata or {}), **declared(behaviour)}
    if arguments is None:
        return strawberry.field(description=description, metadata=merged)
    return strawberry.field(resolver=arguments, description=description, metadata=merged)


def cost(weight: int) -> dict[str, Any]:
    """Field metadata: the field's own cost weight (IBM `@cost`), overriding the default."""
    return {"cost": weight}


def list_size(
    *, slicing: str | None = None, sized_fields: tuple[str, ...] = (), assumed: int | None = None
) -> dict[str, Any]:
    """Field metadata: how big a list is (IBM `@listSize`), for cost analysis.

    `slicing` names the argument giving the size (`first`, or a list argument
    whose length counts); `sized_fields` are child lists that size applies to
    (a connection's `edges`); `assumed` is the size when no argument says.
    """
    return {"list_size": {"slicing": slicing, "sized_fields": sized_fields, "assumed": assumed}}


def bounds(**ranges: tuple[int, int]) -> dict[str, Any]:
    """Field metadata: inclusive ranges for integer arguments, or list lengths for list ones.

    Read by the admission stage, which refuses out-of-range values with
    BAD_USER_INPUT before any upstream call (never clamped).
    """
    return {"bounds": ranges}


MAX_ID_CHARS = 64
"""Product and user ids (`p0001`; a UUID is 36)."""
MAX_QUERY_CHARS = 200
"""A search phrase."""
MAX_CURSOR_CHARS = 1024
"""An `after` cursor: the BFF's own, wrapping upstream page cursors (tens of characters)."""
MAX_POSTCODE_CHARS = 16
MAX_IDEMPOTENCY_KEY_CHARS = 128
"""A UUID is 36; Stripe allows 255, the cart service's keys are headers."""


def max_length(**limits: int) -> dict[str, Any]:
    """Field metadata: the most characters a string argument (or input field) may have, or
    each string of a list argument.

    Every string and ID a client sends declares one (tests/test_input_bounds.py
    checks): they end up in upstream URLs and headers, and no upstream request
    is built from unbounded client input. Checked with the ranges (`bounds`):
    over it is BAD_USER_INPUT before any upstream call.
    """
    return {"max_length": limits}


def header_value(*names: str) -> dict[str, Any]:
    """Field metadata: string arguments (or input fields) sent upstream as a header value
    (the idempotency key): 1 or more printable ASCII characters without spaces, else
    BAD_USER_INPUT before any upstream call (a header cannot carry anything else)."""
    return {"header_value": frozenset(names)}


@strawberry.enum
class LoyaltyTier(enum.Enum):
    NONE = "NONE"
    SILVER = "SILVER"
    GOLD = "GOLD"
    PLATINUM = "PLATINUM"


@strawberry.enum
class StockStatus(enum.Enum):
    IN_STOCK = "IN_STOCK"
    LIMITED = strawberry.enum_value("LIMITED", description="Fewer than 5 units available.")
    OUT_OF_STOCK = "OUT_OF_STOCK"


@strawberry.enum
class OrderStatus(enum.Enum):
    PLACED = "PLACED"
    PACKED = "PACKED"
    SHIPPED = "SHIPPED"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


@strawberry.type
class Money:
    amount: int = strawberry.field(description="Amount in minor units (cents).")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. USD.")


@strawberry.type
class Image:
    url: str
    alt: str | None


@strawberry.type(
    description=(
        "Cursors are opaque strings. Every edge has one, and passing an edge's\n"
        "cursor as `after` continues right after that edge. `endCursor` is the\n"
        "cursor of the last edge (null when there are no edges)."
    )
)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
