"""One set of loaders per request, built lazily on first use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from app.upstream import CallScope, UpstreamClient
from loaders import (
    cart,
    catalog,
    inventory,
    orders,
    pricing,
    promotions,
    recommendations,
    reviews,
    shipping,
    users,
)
from loaders.batching import BatchLoader, Fetch, batched, fanned_out

if TYPE_CHECKING:
    from loaders.entity_cache import EntityCache


class Loaders:
    """The request's loaders; a loader is created only when a resolver first needs it."""

    def __init__(self, client: UpstreamClient, scope: CallScope,
                 entities: EntityCache | None = None) -> None:
        self.client = client
        self.scope = scope
        self.entities = entities
        self.fallbacks: set[str] = set()
        """Components whose failure a stale entity-cache entry covered in this request."""

    def release(self) -> None:
        """Drop every loader and what it remembered once the request is answered.

        graphql-core's executor keeps the context in a reference cycle; emptied
        loaders leave that cycle holding almost nothing until the collector runs.
        """
        for name, value in list(vars(self).items()):
            if isinstance(value, BatchLoader):
                del self.__dict__[name]

    def _batch(self, component: str, fetch: Callable[..., Awaitable[Any]],
               cached_as: str | None = None) -> BatchLoader:
        return self._loader(component, batched(partial(fetch, self.client, self.scope)),
                            cached_as)

    def _each(self, component: str, fetch: Callable[..., Awaitable[Any]],
              cached_as: str | None = None) -> BatchLoader:
        return self._loader(component, fanned_out(partial(fetch, self.client, self.scope)),
                            cached_as)

    def _loader(self, component: str, fetch: Fetch, cached_as: str | None) -> BatchLoader:
        """`cached_as`: the loader's name, when the entity cache may stand in front of it."""
        if cached_as is not None and self.entities is not None:
            fetch = self.entities.wrap(cached_as, fetch, self.fallbacks, self.scope.trace)
        return BatchLoader(component, fetch, self.client.max_batch(component))

    @cached_property
    def users(self) -> BatchLoader:
        """user id → records.User | None"""
        return self._batch(users.COMPONENT, users.fetch_users)

    @cached_property
    def products(self) -> BatchLoader:
        """product id → records.Product | None"""
        return self._batch(catalog.COMPONENT, catalog.fetch_products, "products")

    @cached_property
    def prices(self) -> BatchLoader:
        """product id → records.Price | None"""
        return self._batch(pricing.COMPONENT, pricing.fetch_prices, "prices")

    @cached_property
    def stock(self) -> BatchLoader:
        """product id → records.Stock | None"""
        return self._batch(inventory.COMPONENT, inventory.fetch_stock, "stock")

    @cached_property
    def review_summaries(self) -> BatchLoader:
        """product id → records.ReviewSummary | None"""
        return self._batch(reviews.COMPONENT, reviews.fetch_summaries, "review_summaries")

    @cached_property
    def review_pages(self) -> BatchLoader:
        """(product id, limit, upstream cursor) → records.ReviewPage"""
        return self._each(reviews.COMPONENT, reviews.fetch_page)

    @cached_property
    def estimates(self) -> BatchLoader:
        """(product id, postcode) → records.Estimate | None"""
        return self._batch(shipping.COMPONENT, shipping.fetch_estimates)

    @cached_property
    def recommended(self) -> BatchLoader:
        """(user id | None, limit) → list of product ids"""
        return self._each(recommendations.COMPONENT, recommendations.fetch_recommended)

    @cached_property
    def related(self) -> BatchLoader:
        """(product id, limit) → list of product ids"""
        return self._each(recommendations.COMPONENT, recommendations.fetch_related)

    @cached_property
    def carts(self) -> BatchLoader:
        """user id → records.Cart"""
        return self._each(cart.COMPONENT, cart.fetch_cart)

    @cached_property
    def orders(self) -> BatchLoader:
        """(user id, limit) → list of records.Order"""
        return self._each(orders.COMPONENT, orders.fetch_orders)

    @cached_property
    def promotions(self) -> BatchLoader:
        """segment ("" for none: loaders cannot take None as a key) → list of records.Promotion"""
        return self._each(promotions.COMPONENT, promotions.fetch_promotions, "promotions")

    @cached_property
    def search_pages(self) -> BatchLoader:
        """(query, limit, upstream cursor) → records.SearchPage"""
        return self._each(catalog.COMPONENT, catalog.search_page)
