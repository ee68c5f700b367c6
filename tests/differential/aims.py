"""What a generated query is aimed at: the fields each upstream service feeds, and the
levels where an empty selection is drawn on purpose; and how far down the schema
each of them is, so the generator can walk there."""

from __future__ import annotations

from functools import cache

from graphql import GraphQLObjectType, get_named_type

from tests.differential.schema_facts import SCHEMA

MAX_DEPTH = 6
"""Object levels below the root a generated query goes down, at most."""

# Which fields each upstream service feeds ("Type.field"): a failure injected into a
# service shows only in queries that reach one of them, so those are drawn more often.
SERVICE_FIELDS: dict[str, frozenset[str]] = {
    "users": frozenset({"Query.viewer", "HomeScreen.viewer", "Review.author",
                        "HomeScreen.promotions"}),
    "catalog": frozenset({"Query.search", "Query.product", "Query.products", "Product.related",
                          "HomeScreen.recommendations", "CartItem.product", "ProductEdge.node"}),
    "pricing": frozenset({"Product.price", "Product.compareAtPrice", "Product.onSale"}),
    "inventory": frozenset({"Product.availability"}),
    "reviews": frozenset({"Product.rating", "Product.reviews"}),
    "recommendations": frozenset({"Product.related", "HomeScreen.recommendations"}),
    "cart": frozenset({"Viewer.cart", "HomeScreen.cartSummary"}),
    "orders": frozenset({"Viewer.recentOrders"}),
    "promotions": frozenset({"HomeScreen.promotions"}),
    "shipping": frozenset({"Product.deliveryEstimate"}),
}

LEVELS = ("Query", "Query.product", "Query.products", "ProductEdge.node", "CartItem.product",
          "Product.related", "HomeScreen.recommendations", "Product.reviews")
"""Where selections with nothing to fetch are drawn on purpose (empty_selections)."""


def coordinates() -> set[str]:
    """Every "Type.field" of the schema's object types."""
    return {f"{name}.{field}" for name, type_ in SCHEMA.type_map.items()
            if isinstance(type_, GraphQLObjectType) and not name.startswith("__")
            for field in type_.fields}


@cache
def distances(targets: frozenset[str]) -> dict[str, int]:
    """For each field that can lead to one of `targets`: how many fields down the nearest
    one is (0: it is one)."""
    found = {target: 0 for target in targets}
    changed = True
    while changed:
        changed = False
        for coordinate in coordinates():
            type_name, field_name = coordinate.split(".")
            parent = SCHEMA.type_map[type_name]
            assert isinstance(parent, GraphQLObjectType)
            named = get_named_type(parent.fields[field_name].type)
            if not isinstance(named, GraphQLObjectType):
                continue
            below = [found[f"{named.name}.{child}"] for child in named.fields
                     if f"{named.name}.{child}" in found]
            if below and min(below) + 1 < found.get(coordinate, MAX_DEPTH + 1):
                found[coordinate] = min(below) + 1
                changed = True
    return found
