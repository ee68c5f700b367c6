"""Cursor pagination of search and reviews: complete, stable, opaque, strict."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest


def walk(client: httpx.Client, path: str, key: str, params: dict[str, str]) -> list[Any]:
    """Every page of a listing, following nextCursor to the end."""
    pages: list[Any] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        cursor = page["nextCursor"]
        if cursor is None:
            return pages
        assert page[key], "a page with a next cursor is never empty"
        assert len(pages) < 100


@pytest.mark.parametrize(("word", "limit"), [("shoe", 50), ("lamp", 23), ("chair", 7)])
def test_search_walks_every_match_once(client: httpx.Client, word: str, limit: int) -> None:
    pages = walk(client, "/catalog/search", "ids", {"q": word, "limit": str(limit)})
    total = pages[0]["total"]
    assert total > 100 and len(pages) == -(-total // limit)
    ids = [pid for page in pages for pid in page["ids"]]
    assert len(ids) == len(set(ids)) == total
    assert all(page["total"] == total for page in pages)
    assert all(len(page["ids"]) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]["ids"]) <= limit
    again = walk(client, "/catalog/search", "ids", {"q": word, "limit": str(limit)})
    assert [p["ids"] for p in again] == [p["ids"] for p in pages]  # stable order

    products = client.get("/catalog/products", params={"ids": ",".join(ids[:100])}).json()
    for product in products["products"]:
        text = f"{product['title']} {product['brand']} {product['description']}".lower()
        assert word in text


def test_search_is_case_insensitive_and_needs_every_word(client: httpx.Client) -> None:
    def ids(q: str) -> list[str]:
        pages = walk(client, "/catalog/search", "ids", {"q": q, "limit": "50"})
        return [pid for page in pages for pid in page["ids"]]

    assert ids("SHOE") == ids("shoe") == ids("Shoe")
    running_shoe, shoe, trail = set(ids("running shoe")), set(ids("shoe")), set(ids("trail"))
    assert running_shoe and running_shoe < shoe
    assert not running_shoe & set(ids("trail shoe"))
    assert set(ids("trail shoe")) <= trail
    assert ids("shoe running") == ids("running shoe")


def test_search_cursors_are_opaque(client: httpx.Client) -> None:
    page = client.get("/catalog/search", params={"q": "shoe", "limit": "10"}).json()
    cursor = page["nextCursor"]
    assert isinstance(cursor, str) and not cursor.isdigit() and cursor != "10"


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "10",
        "MTA",  # base64 of "10"
        base64.urlsafe_b64encode(b"search:10:00000000").decode(),
        "%%%",
    ],
)
def test_search_invalid_cursor(client: httpx.Client, cursor: str) -> None:
    response = client.get("/catalog/search", params={"q": "shoe", "cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_cursor"


def test_search_cursor_of_another_query_is_invalid(client: httpx.Client) -> None:
    lamp = client.get("/catalog/search", params={"q": "lamp", "limit": "5"}).json()
    response = client.get("/catalog/search", params={"q": "shoe", "cursor": lamp["nextCursor"]})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_cursor"
    # The same words in another order or case are the same query.
    first = client.get("/catalog/search", params={"q": "Desk Lamp", "limit": "5"}).json()
    same = client.get(
        "/catalog/search", params={"q": "lamp desk", "limit": "5", "cursor": first["nextCursor"]}
    )
    assert same.status_code == 200


def test_search_limit_may_change_between_pages(client: httpx.Client) -> None:
    first = client.get("/catalog/search", params={"q": "shoe", "limit": "3"}).json()
    second = client.get(
        "/catalog/search", params={"q": "shoe", "limit": "50", "cursor": first["nextCursor"]}
    ).json()
    everything = walk(client, "/catalog/search", "ids", {"q": "shoe", "limit": "50"})
    assert first["ids"] + second["ids"] == everything[0]["ids"] + everything[1]["ids"][:3]


def test_reviews_walk_matches_the_summary(client: httpx.Client) -> None:
    for pid, limit in (("p0010", 20), ("p0001", 5), ("p0002", 20), ("p0012", 3)):
        summary = client.get("/reviews/summaries", params={"ids": pid}).json()["summaries"][0]
        pages = walk(client, "/reviews/reviews", "reviews", {"productId": pid, "limit": str(limit)})
        reviews = [r for page in pages for r in page["reviews"]]
        assert len(reviews) == summary["count"]
        assert len({r["id"] for r in reviews}) == len(reviews)
        assert all(r["productId"] == pid for r in reviews)
        created = [r["createdAt"] for r in reviews]
        assert created == sorted(created, reverse=True)
        mean = sum(r["rating"] for r in reviews) / len(reviews)
        assert summary["average"] == round(mean, 1)
    assert len(walk(client, "/reviews/reviews", "reviews", {"productId": "p0010",
                                                          "limit": "20"})) == 3


def test_reviews_invalid_cursor(client: httpx.Client) -> None:
    other = client.get("/reviews/reviews", params={"productId": "p0010", "limit": "5"}).json()
    for cursor in ("nope", other["nextCursor"]):
        response = client.get("/reviews/reviews", params={"productId": "p0001", "cursor": cursor})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_cursor"
