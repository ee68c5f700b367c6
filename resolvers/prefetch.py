"""Start fetches as soon as their keys are known, not when GraphQL reaches their fields.

GraphQL resolves level by level: a product's price is asked for only once the
catalog has answered, although the price needs nothing but the product id,
which is known earlier (from the argument, the search page, the list of
recommended ids). Starting those loads at once turns catalog → pricing into
catalog ∥ pricing. Only fields the client selected are fetched (with their
arguments coerced exactly as execution will), through the same per-request
loaders, so no call is added and none is made twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import get_argument_values
from strawberry import Info

from app.cost import included
from resolvers.common import loaders

PRICE_FIELDS = frozenset({"price", "compareAtPrice", "onSale"})

Selected = tuple[FieldNode, GraphQLField]


def _raw(info: Info) -> GraphQLResolveInfo:
    raw: GraphQLResolveInfo = info._raw_info  # Strawberry keeps graphql-core's info here
    return raw


def _collect(
    raw: GraphQLResolveInfo, parent: Any, selection_sets: Iterable[SelectionSetNode]
) -> list[Selected]:
    found: list[Selected] = []
    if not isinstance(parent, GraphQLObjectType):
        return found
    variables = raw.variable_values
    for selection_set in selection_sets:
        for selection in selection_set.selections:
            if not included(selection, variables):  # type: ignore[arg-type]
                continue
            if isinstance(selection, FieldNode):
                definition = parent.fields.get(selection.name.value)
                if definition is not None:
                    found.append((selection, definition))
            elif isinstance(selection, InlineFragmentNode):
                found.extend(_collect(raw, parent, [selection.selection_set]))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = raw.fragments.get(selection.name.value)
                if fragment is not None:
                    found.extend(_collect(raw, parent, [fragment.selection_set]))
    return found


def below(info: Info, *path: str) -> list[Selected]:
    """The fields selected under the current field, following `path` (e.g. "edges", "node")."""
    raw = _raw(info)
    current = _collect(
        raw, get_named_type(raw.return_type),
        [node.selection_set for node in raw.field_nodes if node.selection_set],
    )
    for name in path:
        current = [
            child
            for node, definition in current
            if node.name.value == name and node.selection_set
            for child in _collect(raw, get_named_type(definition.type), [node.selection_set])
        ]
    return current


def _arguments(info: Info, selected: Selected) -> dict[str, Any]:
    node, definition = selected
    return get_argument_values(definition, node, _raw(info).variable_values)


def viewer(info: Info, user_id: str) -> None:
    """The user id is known from the token: cart and orders need not wait for the profile."""
    ld = loaders(info)
    for selected in below(info):
        name = selected[0].name.value
        if name == "cart":
            ld.carts.load(user_id).add_done_callback(consume)
        elif name == "recentOrders":
            first = _arguments(info, selected).get("first") or 3
            ld.orders.load((user_id, first)).add_done_callback(consume)


def products(info: Info, ids: list[str], selected: list[Selected]) -> None:
    """Start the per-product calls the selection will need (reviews, delivery, related),
    for all `ids` at once; `compose` loads the batched data itself."""
    if not ids:
        return
    ld = loaders(info)
    pending: list[asyncio.Future[Any]] = []
    for field in selected:
        name = field[0].name.value
        if name == "deliveryEstimate":
            postcode = _arguments(info, field)["postcode"]
            pending.append(ld.estimates.load_many([(i, postcode) for i in ids]))
        elif name == "reviews":
            args = _arguments(info, field)
            if not args.get("after"):
                first = args.get("first") or 5
                pending.append(ld.review_pages.load_many([(i, first, None) for i in ids]))
        elif name == "related":
            first = _arguments(info, field).get("first") or 4
            pending.append(ld.related.load_many([(i, first) for i in ids]))
    for future in pending:
        future.add_done_callback(consume)


def consume(future: asyncio.Future[Any]) -> None:
    """A prefetch nobody awaits (its parent turned out null) must not warn when it fails."""
    if not future.cancelled():
        future.exception()
