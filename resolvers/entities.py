"""The entity types: handed around by key, their loader says whether one exists."""

from __future__ import annotations

from resolvers.declare import Entity

ENTITIES: dict[str, Entity] = {
    "Product": Entity("products"),
    "Viewer": Entity("users"),
}
"""By GraphQL type name."""
