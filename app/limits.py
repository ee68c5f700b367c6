"""Structural limits on a parsed document, checked before validation.

Validation itself is costly on hostile documents (overlapping-field checks
grow with the square of the fields), so depth, aliases, root fields and
directives are measured on the bare syntax tree first. Fragments are
followed with memoisation, so a fragment that spreads another twice, ten
levels deep, is measured in linear time (its figures grow, the work does not).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from app import errors
from app.settings import Settings


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_root_fields: int
    max_directives: int
    max_tokens: int
    max_cost: int


def query_limits(settings: Settings) -> Limits:
    return Limits(
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_root_fields=settings.max_root_fields,
        max_directives=settings.max_directives,
        max_tokens=settings.max_tokens,
        max_cost=settings.max_cost,
    )


@dataclass(frozen=True, slots=True)
class Shape:
    depth: int
    aliases: int
    fields: int
    directives: int


def too_expensive(code: str, what: str, limit: int, measured: int) -> errors.RequestError:
    return errors.RequestError(
        code,
        f"The query exceeds the {what} limit ({measured} > {limit}).",
        400,
        extensions={"limit": limit, "measured": measured},
    )


class _Measure:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, Shape] = {}
        self.visiting: set[str] = set()

    def selection(self, selection_set: SelectionSetNode) -> Shape:
        depth = aliases = fields = directives = 0
        for node in selection_set.selections:
            directives = max(directives, len(node.directives or ()))
            if isinstance(node, FieldNode):
                fields += 1
                aliases += 1 if node.alias else 0
                if node.selection_set:
                    inner = self.selection(node.selection_set)
                    depth = max(depth, inner.depth + 1)
                    aliases += inner.aliases
                    directives = max(directives, inner.directives)
                else:
                    depth = max(depth, 1)
                continue
            if isinstance(node, InlineFragmentNode):
                inner = self.selection(node.selection_set)
            elif isinstance(node, FragmentSpreadNode):
                inner = self.fragment(node.name.value)
            else:  # pragma: no cover - no other selection kinds exist
                continue
            depth = max(depth, inner.depth)
            aliases += inner.aliases
            fields += inner.fields
            directives = max(directives, inner.directives)
        return Shape(depth, aliases, fields, directives)

    def fragment(self, name: str) -> Shape:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:  # unknown or cyclic: validation says so
            return Shape(0, 0, 0, 0)
        self.visiting.add(name)
        shape = self.selection(definition.selection_set)
        self.visiting.discard(name)
        self.memo[name] = shape
        return shape


def check(document: DocumentNode, limits: Limits) -> None:
    """Refuse a document any of whose operations exceeds a structural limit."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    measure = _Measure(fragments)
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        shape = measure.selection(definition.selection_set)
        if shape.depth > limits.max_depth:
            raise too_expensive(errors.MAX_DEPTH_LIMIT, "depth", limits.max_depth, shape.depth)
        if shape.aliases > limits.max_aliases:
            raise too_expensive(
                errors.MAX_ALIASES_LIMIT, "aliases", limits.max_aliases, shape.aliases
            )
        if shape.fields > limits.max_root_fields:
            raise too_expensive(
                errors.MAX_ROOT_FIELDS_LIMIT, "root fields", limits.max_root_fields,
                shape.fields,
            )
        if shape.directives > limits.max_directives:
            raise too_expensive(
                errors.GRAPHQL_VALIDATION_FAILED, "directives per field",
                limits.max_directives, shape.directives,
            )
