"""The generated data: deterministic, cheap, and covering every case the BFF must handle."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from demo import data
from demo.search import search

ROOT = Path(__file__).resolve().parents[2]
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

_DIGEST_SCRIPT = """
import hashlib, orjson
from demo import data
from demo.search import search
h = hashlib.sha256()
for n in range(1, data.PRODUCT_COUNT + 1):
    pid = data.product_id(n)
    for part in (data.get_product(pid), data.get_price(pid), data.get_stock(pid),
                 data.get_review_summary(pid)):
        h.update(orjson.dumps(part))
for n in range(1, data.USER_COUNT + 1):
    uid = data.user_id(n)
    h.update(orjson.dumps([data.get_user(uid), data.get_orders(uid), data.initial_cart(uid),
                           data.recommended_for(uid)]))
for pid in ("p0001", "p0002", "p0010", "p4999"):
    h.update(orjson.dumps([data.get_reviews(pid), data.related_to(pid)]))
h.update(orjson.dumps([search("shoe"), search("lamp desk"), data.popular_products()]))
print(h.hexdigest())
"""

_BUILD_TIME_SCRIPT = """
import time
start = time.perf_counter()
from demo import data
from demo.search import search
for n in range(1, data.PRODUCT_COUNT + 1):
    pid = data.product_id(n)
    data.get_product(pid); data.get_price(pid); data.get_stock(pid)
    data.get_review_summary(pid)
for n in range(1, data.USER_COUNT + 1):
    uid = data.user_id(n)
    data.get_user(uid); data.get_orders(uid); data.initial_cart(uid)
search("shoe"); data.popular_products()
print(time.perf_counter() - start)
"""


def _run(script: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "random"},
    )
    return result.stdout.strip()


def test_data_is_identical_in_separate_processes() -> None:
    first, second = _run(_DIGEST_SCRIPT), _run(_DIGEST_SCRIPT)
    assert len(first) == 64
    assert first == second


def test_import_and_full_build_is_well_under_a_second() -> None:
    assert float(_run(_BUILD_TIME_SCRIPT)) < 1.0


def test_unknown_and_malformed_ids_have_no_data() -> None:
    malformed = ("p0000", "p5001", "p1", "P0001", "p00001", "x0001", "", "p-001")
    for pid in (*malformed, "p\u0661\u0662\u0663\u0664"):  # Arabic-Indic digits
        assert data.get_product(pid) is None
        assert data.get_price(pid) is None
        assert data.get_stock(pid) is None
        assert data.get_review_summary(pid) is None
        assert data.get_reviews(pid) == ()
    for uid in ("u0000", "u0501", "u1", "p0001"):
        assert data.get_user(uid) is None
        assert data.get_orders(uid) == ()
    assert data.get_product("p5000") is not None
    assert data.get_user("u0500") is not None


def test_pinned_products() -> None:
    def price(pid: str) -> tuple[int, int | None]:
        entry = data.get_price(pid)
        assert entry is not None
        compare = entry["compareAt"]
        return entry["price"]["amount"], None if compare is None else compare["amount"]

    def available(pid: str) -> int:
        stock = data.get_stock(pid)
        assert stock is not None
        return stock["available"]

    amount, compare = price("p0001")
    assert compare is not None and compare > amount  # on sale
    assert available("p0001") >= 5
    p1 = data.get_product("p0001")
    assert p1 is not None and p1["brand"] and p1["description"] and len(p1["images"]) == 6
    assert all(image["alt"] for image in p1["images"])
    assert len(data.get_reviews("p0001")) == 42

    stock2 = data.get_stock("p0002")
    assert stock2 is not None and stock2["available"] == 0 and stock2["restockDate"]
    assert 1 <= available("p0003") <= 4
    assert data.get_price("p0004") is None and data.get_product("p0004") is not None
    p5 = data.get_product("p0005")
    assert p5 is not None and p5["images"] == [] and p5["brand"] is None
    assert p5["description"] is None
    summary6 = data.get_review_summary("p0006")
    assert summary6 is not None and summary6["count"] == 0 and summary6["average"] == 0.0
    assert data.get_reviews("p0006") == ()
    assert price("p0007")[0] == price("p0007")[1]  # compareAt == price: not on sale
    amount8, compare8 = price("p0008")
    assert compare8 is not None and compare8 < amount8
    stock9 = data.get_stock("p0009")
    assert stock9 is not None and stock9["available"] == 0 and stock9["restockDate"] is None
    assert len(data.get_reviews("p0010")) == 60
    assert available("p0010") == 1
    assert price("p0011")[1] is None


def test_catalog_covers_every_case() -> None:
    products = [data.get_product(data.product_id(n)) for n in range(1, data.PRODUCT_COUNT + 1)]
    assert all(p is not None for p in products)
    real = [p for p in products if p is not None]
    assert len({p["id"] for p in real}) == 5000
    assert 1000 > sum(p["description"] is None for p in real) > 100
    assert 1000 > sum(p["brand"] is None for p in real) > 100
    counts = {len(p["images"]) for p in real}
    assert counts == {0, 1, 2, 3, 4, 5, 6}
    assert 0 < sum(len(p["images"]) == 0 for p in real) < 250
    alts = [image["alt"] for p in real for image in p["images"]]
    assert None in alts and any(alts)
    for p in real:
        assert p["internalCost"]["currency"] == "USD" and p["supplierId"]
        if p["brand"] is not None:
            assert p["brand"] in p["title"]


def test_prices_cover_sale_not_sale_and_missing() -> None:
    entries = [data.get_price(data.product_id(n)) for n in range(1, data.PRODUCT_COUNT + 1)]
    missing = sum(e is None for e in entries)
    assert 5 <= missing <= 100
    present = [e for e in entries if e is not None]
    pairs = [
        (e["price"]["amount"], e["compareAt"]["amount"]) for e in present if e["compareAt"]
    ]
    assert 0.2 < len(pairs) / len(present) < 0.4
    higher = sum(compare > amount for amount, compare in pairs)
    equal = sum(compare == amount for amount, compare in pairs)
    lower = sum(compare < amount for amount, compare in pairs)
    assert higher > 5 * (equal + lower) and equal > 10 and lower > 10
    assert all(e["price"]["amount"] > 0 and e["price"]["currency"] == "USD" for e in present)


def test_availability_has_all_three_buckets_among_first_200() -> None:
    buckets = {"out": 0, "limited": 0, "in": 0}
    restock_dates = []
    for n in range(1, 201):
        stock = data.get_stock(data.product_id(n))
        assert stock is not None
        if stock["available"] == 0:
            buckets["out"] += 1
            restock_dates.append(stock["restockDate"])
        elif stock["available"] < 5:
            buckets["limited"] += 1
        else:
            buckets["in"] += 1
    assert all(count >= 5 for count in buckets.values()), buckets
    assert None in restock_dates and any(restock_dates)
    assert all(ISO_UTC.match(d) for d in restock_dates if d)


def test_reviews_agree_with_summaries() -> None:
    user_ids = {data.user_id(n) for n in range(1, data.USER_COUNT + 1)}
    seen_null_title = seen_title = False
    for n in range(1, 301):
        pid = data.product_id(n)
        reviews = data.get_reviews(pid)
        summary = data.get_review_summary(pid)
        assert summary is not None
        assert summary["count"] == len(reviews) <= 60
        if reviews:
            mean = sum(r["rating"] for r in reviews) / len(reviews)
            assert summary["average"] == round(mean, 1)
        assert 0.0 <= summary["average"] <= 5.0
        created = [r["createdAt"] for r in reviews]
        assert created == sorted(created, reverse=True)  # newest first
        for review in reviews:
            assert review["authorId"] in user_ids
            assert 1 <= review["rating"] <= 5 and review["body"]
            assert ISO_UTC.match(review["createdAt"])
            seen_null_title |= review["title"] is None
            seen_title |= review["title"] is not None
    assert seen_null_title and seen_title


def test_users_and_orders_cover_every_case() -> None:
    users = [data.get_user(data.user_id(n)) for n in range(1, data.USER_COUNT + 1)]
    real = [u for u in users if u is not None]
    assert len(real) == 500
    assert {u["loyaltyTier"] for u in real} == {"NONE", "SILVER", "GOLD", "PLATINUM"}
    assert {u["segment"] for u in real} == set(data.SEGMENTS)
    assert any(u["avatarUrl"] is None for u in real) and any(u["avatarUrl"] for u in real)
    assert all("@" in u["email"] and 0 <= u["fraudScore"] <= 1 for u in real)

    statuses = set()
    for user in real:
        orders = data.get_orders(user["id"])
        assert len(orders) <= 25
        placed = [o["placedAt"] for o in orders]
        assert placed == sorted(placed, reverse=True)
        statuses |= {o["status"] for o in orders}
    assert statuses == set(data.ORDER_STATUSES)
    assert {o["status"] for o in data.get_orders("u0001")} == set(data.ORDER_STATUSES)
    assert data.get_orders("u0002") == ()
    assert len(data.get_orders("u0003")) == 25


def test_search_words_with_many_results() -> None:
    for word in ("shoe", "lamp", "chair", "jacket", "bag"):
        assert len(search(word)) > 100, word
    assert search("SHOE") == search("shoe")
    assert 0 < len(search("titanium")) < 100
    assert search("xylophone") == ()
    both = set(search("running shoe"))
    assert both and both < set(search("shoe")) and both <= set(search("running"))


def test_promotions_active_now_and_targeted() -> None:
    everyone = {p["id"] for p in data.active_promotions(None)}
    vip = {p["id"] for p in data.active_promotions("vip")}
    assert len(everyone) >= 2 and everyone < vip
    assert "promo-vip-early-access" in vip and "promo-vip-early-access" not in everyone
    all_ids = {p["id"] for p in data.active_promotions("no-such-segment")}
    assert all_ids == everyone
    for ended in ("promo-summer-ended", "promo-next-season", "promo-vip-ended"):
        assert ended not in vip
    promos = data.active_promotions("vip")
    assert any(p["imageUrl"] is None for p in promos) and any(p["imageUrl"] for p in promos)


def test_recommendations_and_related_only_priced_products() -> None:
    priced = set(data.priced_products())
    for uid in ("u0001", "u0002", "u0250", "someone-else"):
        recs = data.recommended_for(uid)
        assert len(recs) == 24 == len(set(recs)) and set(recs) <= priced
    assert data.recommended_for("u0001") != data.recommended_for("u0002")
    popular = data.popular_products()
    assert len(popular) == 24 and set(popular) <= priced
    related = data.related_to("p0001")
    assert len(related) == 12 and "p0001" not in related and set(related) <= priced
    category = data.get_product("p0001")
    assert category is not None
    for pid in related:
        product = data.get_product(pid)
        assert product is not None and product["categoryId"] == category["categoryId"]


def test_initial_carts() -> None:
    carts = [data.initial_cart(data.user_id(n)) for n in range(1, data.USER_COUNT + 1)]
    empty = sum(not lines for lines, _ in carts)
    assert 50 < empty < 400
    sellable = set(data.sellable_products())
    for lines, updated in carts:
        assert len(lines) <= 5
        assert (updated is None) == (not lines)
        assert all(pid in sellable and 1 <= qty <= 99 for pid, qty in lines)
    assert data.initial_cart("u0002") == ((), None)
    assert len(data.initial_cart("u0001")[0]) == 3
