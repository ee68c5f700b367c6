"""Deterministic demo data for the ten upstream services.

Every entity comes from its own seeded RNG (``Rng(f"{SEED}:{kind}:{n}")``),
so the data is identical in every process and run, one entity costs
microseconds, and nothing is generated before it is asked for. A handful of
low ids are pinned (see ``_*_OVERRIDES``) so the BFF's tests can rely on
named cases (on sale, out of stock, no price, ...) without searching.

Timestamps are offsets from ``ANCHOR`` (midnight UTC of the day the process
started): promotions stay active and restock dates stay in the future
whenever the demo runs. Everything else is independent of the clock.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from itertools import accumulate, permutations
from typing import Final, Generic, TypedDict, TypeVar

from demo.prng import Rng
from demo.words import (
    ADJECTIVES,
    BRANDS,
    COLORS,
    FEATURES,
    FIRST_NAMES,
    LAST_NAMES,
    MATERIALS,
    NOUNS,
    REVIEW_SENTENCES,
    REVIEW_TITLES,
)

SEED: Final = "storefront-demo-v1"
PRODUCT_COUNT: Final = 5000
USER_COUNT: Final = 500
CURRENCY: Final = "USD"
IMAGE_HOST: Final = "https://img.demo-storefront.example"
ANCHOR: Final = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

LOYALTY_TIERS: Final = ("NONE", "SILVER", "GOLD", "PLATINUM")
SEGMENTS: Final = ("new", "regular", "bargain-hunter", "outdoor", "vip")
ORDER_STATUSES: Final = (
    "PLACED", "PACKED", "SHIPPED", "OUT_FOR_DELIVERY", "DELIVERED", "CANCELLED",
)


class Money(TypedDict):
    amount: int
    currency: str


class Image(TypedDict):
    url: str
    alt: str | None


class Product(TypedDict):
    id: str
    sku: str
    title: str
    description: str | None
    brand: str | None
    images: list[Image]
    categoryId: str
    internalCost: Money
    supplierId: str


class Price(TypedDict):
    productId: str
    price: Money
    compareAt: Money | None
    marginBps: int


class Stock(TypedDict):
    productId: str
    available: int
    restockDate: str | None
    warehouseId: str


class ReviewSummary(TypedDict):
    productId: str
    average: float
    count: int
    moderationBacklog: int


class Review(TypedDict):
    id: str
    productId: str
    authorId: str
    rating: int
    title: str | None
    body: str
    createdAt: str
    authorEmail: str
    moderationScore: float


class User(TypedDict):
    id: str
    displayName: str
    avatarUrl: str | None
    loyaltyTier: str
    segment: str
    email: str
    fraudScore: float


class Order(TypedDict):
    id: str
    status: str
    placedAt: str
    itemCount: int
    total: Money
    estimatedDelivery: str | None
    paymentToken: str


class Promotion(TypedDict):
    id: str
    title: str
    imageUrl: str | None
    deeplink: str
    startsAt: str
    endsAt: str
    targetSegment: str | None
    budgetRemaining: Money


class Estimate(TypedDict):
    productId: str
    minDays: int
    maxDays: int
    carrierCost: Money


# ---------------------------------------------------------------- helpers


def _rng(kind: str, key: int | str) -> Rng:
    """One independent stream per entity and aspect, so aspects never shift each other."""
    return Rng(f"{SEED}:{kind}:{key}")


def money(amount: int) -> Money:
    return {"amount": amount, "currency": CURRENCY}


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, whole seconds: "2026-11-21T09:32:11Z"."""
    utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    return utc.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


_NAIVE_ANCHOR: Final = ANCHOR.replace(tzinfo=None)


def _days_from_anchor(days: float) -> str:
    # isoformat() is several times faster than strftime; 70,000 reviews use this.
    return (_NAIVE_ANCHOR + timedelta(seconds=round(days * 86400))).isoformat() + "Z"


def product_id(n: int) -> str:
    return f"p{n:04d}"


def user_id(n: int) -> str:
    return f"u{n:04d}"


def _parse(entity_id: str, prefix: str, count: int) -> int | None:
    digits = entity_id[1:]
    if len(entity_id) != 5 or entity_id[0] != prefix:
        return None
    if not (digits.isascii() and digits.isdigit()):  # int() would accept "١٢٣٤"
        return None
    n = int(digits)
    return n if 1 <= n <= count else None


T = TypeVar("T")


class _Memo(Generic[T]):
    """Entity by id string, generated on first use: the batch endpoints' hot path.

    Unknown ids are not stored, so garbage ids cannot grow it past the data set.
    """

    __slots__ = ("_items", "_make", "_parse")

    def __init__(self, parse: Callable[[str], int | None], make: Callable[[int], T]) -> None:
        self._items: dict[str, T] = {}
        self._parse = parse
        self._make = make

    def get(self, key: str) -> T | None:
        try:
            return self._items[key]
        except KeyError:
            n = self._parse(key)
            if n is None:
                return None
            value = self._items[key] = self._make(n)
            return value


def product_number(pid: str) -> int | None:
    return _parse(pid, "p", PRODUCT_COUNT)


def user_number(uid: str) -> int | None:
    return _parse(uid, "u", USER_COUNT)


# ---------------------------------------------------------------- catalog

# Pinned products; every other field comes from the generator.
_PRODUCT_OVERRIDES: Final[dict[int, dict[str, object]]] = {
    1: {"brand": "Stride", "title": "Stride Classic Running Shoe - Navy",
        "categoryId": "c-footwear",
        "description": "Classic running shoe in navy, made from recycled polyester. "
                       "Two-year warranty."},
    5: {"brand": None, "description": None, "images": [], "categoryId": "c-lighting",
        "title": "Modern Desk Lamp - Ivory"},
}


_MATERIAL_NAMES: Final = tuple(name for name, _ in MATERIALS)
_MATERIAL_WEIGHTS: Final = tuple(accumulate(weight for _, weight in MATERIALS))
_TIER_WEIGHTS: Final = tuple(accumulate((50, 25, 15, 10)))
_SEGMENT_WEIGHTS: Final = tuple(accumulate((20, 40, 15, 15, 10)))


@cache
def _product(n: int) -> Product:
    rng = _rng("product", n)
    pid = product_id(n)
    noun, category = rng.choice(NOUNS)
    adjective = rng.choice(ADJECTIVES)
    color = rng.choice(COLORS)
    brand = None if rng.random() < 0.10 else rng.choice(BRANDS)
    title = f"{adjective} {noun} - {color}"
    if brand is not None:
        title = f"{brand} {title}"
    material = rng.weighted(_MATERIAL_NAMES, _MATERIAL_WEIGHTS)
    description: str | None = (
        f"{adjective} {noun.lower()} in {color.lower()}, made from {material}. "
        f"{rng.choice(FEATURES)}"
    )
    if rng.random() < 0.15:
        description = None
    image_count = 0 if rng.random() < 0.02 else rng.randint(1, 6)
    images: list[Image] = [
        {"url": f"{IMAGE_HOST}/products/{pid}/{i}.jpg",
         "alt": None if rng.random() < 0.25 else f"{title}, view {i}"}
        for i in range(1, image_count + 1)
    ]
    product: Product = {
        "id": pid,
        "sku": "",
        "title": title,
        "description": description,
        "brand": brand,
        "images": images,
        "categoryId": category,
        "internalCost": money(rng.randint(150, 15000)),
        "supplierId": f"sup-{rng.randint(1, 40):03d}",
    }
    if n == 1:
        product["images"] = [
            {"url": f"{IMAGE_HOST}/products/{pid}/{i}.jpg", "alt": f"Running shoe, view {i}"}
            for i in range(1, 7)
        ]
    product.update(_PRODUCT_OVERRIDES.get(n, {}))  # type: ignore[typeddict-item]
    product["sku"] = f"{product['categoryId'][2:5].upper()}-{n:05d}"
    return product


get_product: Final = _Memo(product_number, _product).get


# ---------------------------------------------------------------- pricing

# n -> (amount, compareAt) ; amount None means "no price entry at all".
_PRICE_OVERRIDES: Final[dict[int, tuple[int | None, int | None]]] = {
    1: (8999, 12999),   # on sale
    2: (4999, None),
    3: (2499, 2999),    # on sale
    4: (None, None),    # no price
    7: (3999, 3999),    # compareAt == price: not on sale
    8: (5999, 4999),    # compareAt < price: not on sale
    10: (1999, None),
    11: (14999, None),
}


@cache
def _price(n: int) -> Price | None:
    rng = _rng("price", n)
    base = rng.randint(3, 300) * 100 + rng.choice((-1, -1, -5, 0, -51))
    compare: int | None = None
    if rng.random() < 0.30:
        kind = rng.random()
        if kind < 0.85:
            compare = (int(base * rng.uniform(1.1, 1.6)) // 100 + 1) * 100 - 1
        elif kind < 0.93:
            compare = base
        else:
            compare = base - rng.randint(1, base // 4)
    amount: int | None = None if rng.random() < 0.006 else base
    if n in _PRICE_OVERRIDES:
        amount, compare = _PRICE_OVERRIDES[n]
    if amount is None:
        return None
    return {
        "productId": product_id(n),
        "price": money(amount),
        "compareAt": None if compare is None else money(compare),
        "marginBps": rng.randint(500, 6000),
    }


get_price: Final = _Memo(product_number, _price).get


# ---------------------------------------------------------------- inventory

# n -> (available, restock in days or None)
_STOCK_OVERRIDES: Final[dict[int, tuple[int, float | None]]] = {
    1: (120, None),
    2: (0, 6.5),        # out of stock, restock date set
    3: (3, None),       # limited
    4: (40, None),
    5: (12, None),
    6: (25, None),
    7: (8, None),
    8: (9, None),
    9: (0, None),       # out of stock, no restock date
    10: (1, None),      # limited
    11: (4, None),      # limited
    12: (5, None),      # in stock (boundary)
}


@cache
def _stock(n: int) -> Stock:
    rng = _rng("stock", n)
    r = rng.random()
    restock: float | None = None
    if r < 0.15:
        available = 0
        if rng.random() < 0.6:
            restock = rng.uniform(2, 30)
    elif r < 0.30:
        available = rng.randint(1, 4)
    else:
        available = rng.randint(5, 250)
    if n in _STOCK_OVERRIDES:
        available, restock = _STOCK_OVERRIDES[n]
    return {
        "productId": product_id(n),
        "available": available,
        "restockDate": None if restock is None else _days_from_anchor(restock),
        "warehouseId": f"wh-{rng.randint(1, 6)}",
    }


get_stock: Final = _Memo(product_number, _stock).get


# ---------------------------------------------------------------- reviews

_REVIEW_COUNT_OVERRIDES: Final[dict[int, int]] = {1: 42, 2: 7, 3: 3, 6: 0, 10: 60, 12: 1}


def _histogram(count: int, quality: float) -> tuple[int, ...]:
    """Ratings 1..5 as counts: a discretised normal around ``quality``, rounded so they sum
    to ``count`` (largest remainders first). Drawing 70,000 ratings one by one is too slow."""
    weights = [math.exp(-((star - quality) ** 2) / 2.4) for star in range(1, 6)]
    total = sum(weights)
    exact = [count * w / total for w in weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(5), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: count - sum(counts)]:
        counts[i] += 1
    return tuple(counts)


@cache
def _rating_counts(n: int) -> tuple[int, ...]:
    """How many 1..5 star reviews product n has."""
    rng = _rng("ratings", n)
    count = 0 if rng.random() < 0.10 else min(60, 1 + int(rng.expovariate(1 / 14)))
    count = _REVIEW_COUNT_OVERRIDES.get(n, count)
    return _histogram(count, rng.uniform(2.2, 4.9))


@cache
def _summary(n: int) -> ReviewSummary:
    counts = _rating_counts(n)
    count = sum(counts)
    stars = sum(star * c for star, c in enumerate(counts, start=1))
    return {
        "productId": product_id(n),
        "average": round(stars / count, 1) if count else 0.0,
        "count": count,
        "moderationBacklog": n % 7,
    }


get_review_summary: Final = _Memo(product_number, _summary).get


_REVIEW_BODIES: Final = tuple(
    " ".join(combo)
    for k in (1, 2, 3)
    for combo in permutations(REVIEW_SENTENCES, k)
    if k < 3 or combo[0] < combo[1] < combo[2]
)


@lru_cache(maxsize=1024)
def _reviews(n: int) -> tuple[Review, ...]:
    rng = _rng("reviews", n)
    pid = product_id(n)
    stars = [star for star, c in enumerate(_rating_counts(n), start=1) for _ in range(c)]
    ratings = rng.sample(stars, len(stars))
    age_days = rng.uniform(0.1, 3.0)
    titles = len(REVIEW_TITLES)
    reviews: list[Review] = []
    for i, rating in enumerate(ratings, start=1):
        # One 64-bit draw split into fields: reviews are the bulk of the data set.
        word = rng.next64()
        author = _user(1 + word % USER_COUNT)
        title = (word >> 16) % (titles * 4 // 3)  # a quarter of the slots mean "no title"
        reviews.append({
            "id": f"r{n:04d}-{i:02d}",
            "productId": pid,
            "authorId": author["id"],
            "rating": rating,
            "title": REVIEW_TITLES[title] if title < titles else None,
            "body": rng.choice(_REVIEW_BODIES),
            "createdAt": _days_from_anchor(-age_days),
            "authorEmail": author["email"],
            "moderationScore": round(((word >> 32) & 0xFFFF) / 0x10000, 3),
        })
        age_days += 0.2 + ((word >> 48) & 0xFFFF) / 0xFFFF * 19.8
    return tuple(reviews)


def get_reviews(pid: str) -> tuple[Review, ...]:
    """All reviews of a product, newest first (empty for unknown products)."""
    n = product_number(pid)
    return () if n is None else _reviews(n)


# ---------------------------------------------------------------- users

_USER_OVERRIDES: Final[dict[int, dict[str, object]]] = {
    1: {"displayName": "Ada Lovelace", "loyaltyTier": "GOLD", "segment": "vip",
        "avatarUrl": f"{IMAGE_HOST}/avatars/u0001.png"},
    2: {"displayName": "Alan Turing", "loyaltyTier": "NONE", "segment": "new",
        "avatarUrl": None},
    3: {"displayName": "Grace Hopper", "loyaltyTier": "PLATINUM", "segment": "bargain-hunter",
        "avatarUrl": f"{IMAGE_HOST}/avatars/u0003.png"},
    4: {"displayName": "Linus Torvalds", "loyaltyTier": "SILVER", "segment": "regular",
        "avatarUrl": None},
    5: {"displayName": "Margaret Hamilton", "loyaltyTier": "NONE", "segment": "outdoor",
        "avatarUrl": f"{IMAGE_HOST}/avatars/u0005.png"},
}


@cache
def _user(n: int) -> User:
    rng = _rng("user", n)
    uid = user_id(n)
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    user: User = {
        "id": uid,
        "displayName": f"{first} {last}",
        "avatarUrl": None if rng.random() < 0.3 else f"{IMAGE_HOST}/avatars/{uid}.png",
        "loyaltyTier": rng.weighted(LOYALTY_TIERS, _TIER_WEIGHTS),
        "segment": rng.weighted(SEGMENTS, _SEGMENT_WEIGHTS),
        "email": "",
        "fraudScore": round(rng.random() ** 3, 3),
    }
    user.update(_USER_OVERRIDES.get(n, {}))  # type: ignore[typeddict-item]
    name = user["displayName"].lower().replace(" ", ".")
    user["email"] = f"{name}.{n}@mail.demo-storefront.example"
    return user


get_user: Final = _Memo(user_number, _user).get


# ---------------------------------------------------------------- orders

# Fixed order ages (days before ANCHOR) and the indexes that are cancelled.
_ORDER_OVERRIDES: Final[dict[int, tuple[tuple[float, ...], frozenset[int]]]] = {
    1: ((0.2, 1.3, 2.6, 4.0, 6.0, 9.0, 15.0, 22.0, 40.0, 61.0, 90.0, 120.0), frozenset({5})),
    2: ((), frozenset()),
    3: (tuple(0.5 + 7.0 * i for i in range(25)), frozenset({3, 10})),
    4: ((30.0,), frozenset()),
}


def _status_for_age(age_days: float) -> str:
    if age_days < 1:
        return "PLACED"
    if age_days < 2:
        return "PACKED"
    if age_days < 3.5:
        return "SHIPPED"
    if age_days < 4.5:
        return "OUT_FOR_DELIVERY"
    return "DELIVERED"


@cache
def _orders(n: int) -> tuple[Order, ...]:
    rng = _rng("orders", n)
    count = 0 if rng.random() < 0.15 else rng.randint(1, 25)
    ages: list[float] = []
    age = rng.uniform(0.05, 2.0)
    for _ in range(count):
        ages.append(age)
        age += rng.uniform(0.3, 12.0)
    cancelled = {i for i in range(count) if rng.random() < 0.08}
    if n in _ORDER_OVERRIDES:
        fixed_ages, fixed_cancelled = _ORDER_OVERRIDES[n]
        ages, cancelled = list(fixed_ages), set(fixed_cancelled)
    orders: list[Order] = []
    for i, age_days in enumerate(ages):
        status = "CANCELLED" if i in cancelled else _status_for_age(age_days)
        in_flight = status in ("PLACED", "PACKED", "SHIPPED", "OUT_FOR_DELIVERY")
        orders.append({
            "id": f"o{n:04d}-{len(ages) - i:03d}",
            "status": status,
            "placedAt": _days_from_anchor(-age_days),
            "itemCount": rng.randint(1, 8),
            "total": money(rng.randint(999, 49999)),
            "estimatedDelivery": _days_from_anchor(5 - age_days) if in_flight else None,
            "paymentToken": f"tok_{rng.hex(12)}",
        })
    return tuple(orders)


def get_orders(uid: str) -> tuple[Order, ...]:
    """A user's orders, newest first (empty for unknown users)."""
    n = user_number(uid)
    return () if n is None else _orders(n)


# ---------------------------------------------------------------- promotions

# (id, title, image?, segment or None for everyone, starts, ends) in days from ANCHOR.
_PROMOTIONS: Final[tuple[tuple[str, str, bool, str | None, float, float], ...]] = (
    ("promo-free-shipping", "Free shipping on orders over $50", True, None, -10, 30),
    ("promo-winter-sale", "Winter sale: up to 40% off jackets", False, None, -3, 14),
    ("promo-new-arrivals", "New arrivals in lighting", True, None, -1, 60),
    ("promo-vip-early-access", "VIP early access to the spring collection", True, "vip", -5, 20),
    ("promo-vip-double-points", "Double loyalty points this week", False, "vip", -2, 5),
    ("promo-bargain-clearance", "Clearance: last sizes at 70% off", True, "bargain-hunter",
     -7, 10),
    ("promo-outdoor-gear", "Gear up: 20% off tents and stoves", True, "outdoor", -4, 25),
    ("promo-welcome-10", "Welcome! 10% off your first order", True, "new", -30, 365),
    ("promo-summer-ended", "Summer sale (ended)", True, None, -120, -30),
    ("promo-next-season", "Next season preview (not started)", True, None, 30, 90),
    ("promo-vip-ended", "VIP night (ended)", True, "vip", -60, -40),
)


@cache
def _promotions() -> tuple[tuple[datetime, datetime, Promotion], ...]:
    out = []
    for i, (pid, title, has_image, segment, start, end) in enumerate(_PROMOTIONS):
        starts = ANCHOR + timedelta(days=start)
        ends = ANCHOR + timedelta(days=end)
        promotion: Promotion = {
            "id": pid,
            "title": title,
            "imageUrl": f"{IMAGE_HOST}/promotions/{pid}.jpg" if has_image else None,
            "deeplink": f"/promotions/{pid.removeprefix('promo-')}",
            "startsAt": iso(starts),
            "endsAt": iso(ends),
            "targetSegment": segment,
            "budgetRemaining": money(1_000_000 - 37_000 * i),
        }
        out.append((starts, ends, promotion))
    return tuple(out)


def active_promotions(segment: str | None, now: datetime | None = None) -> list[Promotion]:
    """Everyone's promotions plus the segment's, only those active at ``now``."""
    moment = now or datetime.now(UTC)
    return [
        promo
        for starts, ends, promo in _promotions()
        if starts <= moment < ends
        and (promo["targetSegment"] is None or promo["targetSegment"] == segment)
    ]


# ---------------------------------------------------------------- shipping


def shipping_estimate(pid: str, postcode: str) -> Estimate | None:
    """Cheap hash arithmetic: the same product and postcode always give the same answer."""
    if product_number(pid) is None:
        return None
    code = postcode.strip().upper()
    zone = zlib.crc32(code.encode()) % 4
    h = zlib.crc32(f"{pid}|{code}".encode())
    min_days = 1 + zone + h % 3
    return {
        "productId": pid,
        "minDays": min_days,
        "maxDays": min_days + 1 + (h >> 8) % 4,
        "carrierCost": money(299 + (h >> 16) % 900),
    }


# ---------------------------------------------------------------- recommendations


@cache
def priced_products() -> tuple[str, ...]:
    """Products with a price: the only ones worth recommending (price is critical in the BFF)."""
    return tuple(product_id(n) for n in range(1, PRODUCT_COUNT + 1) if _price(n) is not None)


@cache
def sellable_products() -> tuple[str, ...]:
    """Products with a price and stock: the only ones an initial cart holds."""
    return tuple(pid for pid in priced_products() if _stock(int(pid[1:]))["available"] > 0)


@cache
def _priced_by_category() -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for pid in priced_products():
        groups.setdefault(_product(int(pid[1:]))["categoryId"], []).append(pid)
    return {category: tuple(ids) for category, ids in groups.items()}


@cache
def popular_products() -> tuple[str, ...]:
    """The 24 priced products with most reviews: the anonymous recommendations."""
    ranked = sorted(priced_products(), key=lambda pid: (-_summary(int(pid[1:]))["count"], pid))
    return tuple(ranked[:24])


@lru_cache(maxsize=4096)
def recommended_for(uid: str) -> tuple[str, ...]:
    """24 products per user id (any id, known or not), always the same for that id."""
    return tuple(_rng("recs", uid).sample(priced_products(), 24))


@lru_cache(maxsize=8192)
def related_to(pid: str) -> tuple[str, ...]:
    """12 priced products of the same category (empty for unknown products)."""
    product = get_product(pid)
    if product is None:
        return ()
    pool = [p for p in _priced_by_category()[product["categoryId"]] if p != pid]
    return tuple(_rng("related", pid).sample(pool, min(12, len(pool))))


# ---------------------------------------------------------------- carts

_CART_OVERRIDES: Final[dict[int, tuple[tuple[str, int], ...]]] = {
    1: (("p0001", 1), ("p0003", 2), ("p0010", 1)),
    2: (),
    3: (("p0001", 1), ("p0007", 2), ("p0008", 1), ("p0011", 3), ("p0012", 1)),
    4: (("p0001", 2),),
}


@cache
def _initial_cart(n: int) -> tuple[tuple[tuple[str, int], ...], str | None]:
    rng = _rng("cart", n)
    lines: tuple[tuple[str, int], ...] = ()
    if rng.random() >= 0.35:
        picks = rng.sample(sellable_products(), rng.randint(1, 5))
        lines = tuple((pid, rng.randint(1, 3)) for pid in picks)
    lines = _CART_OVERRIDES.get(n, lines)
    updated = _days_from_anchor(-rng.uniform(0.05, 20.0)) if lines else None
    return lines, updated


def initial_cart(uid: str) -> tuple[tuple[tuple[str, int], ...], str | None]:
    """(lines, updatedAt) of a user's cart at start-up; empty for unknown users."""
    n = user_number(uid)
    return ((), None) if n is None else _initial_cart(n)
