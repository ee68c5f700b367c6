"""What the demo upstreams hold, read straight from them over HTTP: the tests' expected values."""

from __future__ import annotations

from typing import Any

import httpx

from tests.servers import Demo

_AUTH = {"Authorization": "Bearer test-reader"}


class Truth:
    def __init__(self, demo: Demo) -> None:
        self.http = httpx.Client(base_url=demo.server.base_url, headers=_AUTH, timeout=10)

    def _get(self, path: str, **params: str) -> Any:
        response = self.http.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def _batch(self, path: str, key: str, id_field: str, ids: list[str],
               **params: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for start in range(0, len(ids), 100):
            chunk = ",".join(ids[start:start + 100])
            found.update({item[id_field]: item for item in
                          self._get(path, ids=chunk, **params)[key]})
        return found

    def products(self, ids: list[str]) -> dict[str, Any]:
        return self._batch("/catalog/products", "products", "id", ids)

    def prices(self, ids: list[str]) -> dict[str, Any]:
        return self._batch("/pricing/prices", "prices", "productId", ids, currency="USD")

    def stock(self, ids: list[str]) -> dict[str, Any]:
        return self._batch("/inventory/stock", "stock", "productId", ids)

    def summaries(self, ids: list[str]) -> dict[str, Any]:
        return self._batch("/reviews/summaries", "summaries", "productId", ids)

    def users(self, ids: list[str]) -> dict[str, Any]:
        return self._batch("/users/users", "users", "id", ids)

    def search_all(self, query: str) -> list[str]:
        ids: list[str] = []
        cursor: str | None = None
        while True:
            params = {"q": query, "limit": "50"}
            if cursor:
                params["cursor"] = cursor
            page = self._get("/catalog/search", **params)
            ids.extend(page["ids"])
            cursor = page["nextCursor"]
            if not cursor:
                return ids

    def reviews(self, product_id: str, limit: int) -> list[Any]:
        reviews: list[Any] = self._get(
            "/reviews/reviews", productId=product_id, limit=str(limit)
        )["reviews"]
        return reviews

    def related(self, product_id: str, limit: int) -> list[str]:
        ids: list[str] = self._get(
            "/recommendations/related", productId=product_id, limit=str(limit)
        )["productIds"]
        return ids

    def recommended(self, user_id: str | None, limit: int) -> list[str]:
        params = {"limit": str(limit)}
        if user_id:
            params["userId"] = user_id
        ids: list[str] = self._get("/recommendations/recommendations", **params)["productIds"]
        return ids

    def cart(self, user_id: str) -> Any:
        return self._get(f"/cart/carts/{user_id}")

    def orders(self, user_id: str, limit: int) -> list[Any]:
        orders: list[Any] = self._get("/orders/orders", userId=user_id, limit=str(limit))["orders"]
        return orders

    def promotions(self, segment: str | None) -> list[Any]:
        params = {"segment": segment} if segment else {}
        promotions: list[Any] = self._get("/promotions/promotions", **params)["promotions"]
        return promotions

    def estimate(self, product_id: str, postcode: str) -> Any:
        body = self._get("/shipping/estimates", ids=product_id, postcode=postcode)
        return body["estimates"][0] if body["estimates"] else None

    def close(self) -> None:
        self.http.close()


def money(value: Any) -> Any:
    return None if value is None else {"amount": value["amount"], "currency": value["currency"]}


def stock_status(available: int) -> str:
    if available == 0:
        return "OUT_OF_STOCK"
    return "LIMITED" if available <= 4 else "IN_STOCK"


def on_sale(price: Any) -> bool:
    compare = price["compareAt"]
    return compare is not None and compare["amount"] > price["price"]["amount"]
