"""The cache settings of RUNNING.md, read and validated at start-up; the near-cache's rules."""

from __future__ import annotations

import pytest

from app.cache_policy import Freshness
from app.response_cache.entry import EXPIRED, FRESH, STALE, Entry
from app.response_cache.near import NearCache
from app.settings import SettingsError, load_settings


def test_the_response_cache_is_on_with_redis_by_default() -> None:
    assert not load_settings({}).response_cache_enabled
    assert load_settings({"BFF_REDIS_URL": "redis://127.0.0.1:6379"}).response_cache_enabled
    assert not load_settings({"BFF_REDIS_URL": "redis://127.0.0.1:6379",
                              "BFF_RESPONSE_CACHE": "off"}).response_cache_enabled
    assert load_settings({"BFF_RESPONSE_CACHE": "on"}).response_cache_enabled


def test_entity_cache_ttls_default_and_override() -> None:
    settings = load_settings({"BFF_ENTITY_CACHE_CATALOG_TTL_S": "120",
                              "BFF_ENTITY_CACHE_PRICING_TTL_S": "5",
                              "BFF_ENTITY_CACHE_CART_TTL_S": "0",
                              "BFF_ENTITY_CACHE_STALE_S": "900"})
    assert settings.entity_cache_ttl_s == {"catalog": 120, "reviews": 0, "promotions": 0,
                                           "pricing": 5, "inventory": 0}  # off unless set
    assert settings.entity_cache_stale_s == 900


@pytest.mark.parametrize(("environ", "named"), [
    ({"BFF_ENTITY_CACHE_CART_TTL_S": "30"}, "BFF_ENTITY_CACHE_CART_TTL_S: cart answers are "
                                            "never cached"),
    ({"BFF_ENTITY_CACHE_PRICING_TTL_S": "60"}, "BFF_ENTITY_CACHE_PRICING_TTL_S: must be "
                                               "between 0 and 10"),
    ({"BFF_ENTITY_CACHE_CATALOG_TTL_S": "soon"}, "BFF_ENTITY_CACHE_CATALOG_TTL_S"),
    ({"BFF_RESPONSE_CACHE": "yes"}, "BFF_RESPONSE_CACHE"),
    ({"BFF_RESPONSE_CACHE_STALE_S": "-1"}, "BFF_RESPONSE_CACHE_STALE_S"),
    ({"BFF_RESPONSE_CACHE_NEAR_BYTES": "lots"}, "BFF_RESPONSE_CACHE_NEAR_BYTES"),
    ({"BFF_ENTITY_CACHE_STALE_S": "-5"}, "BFF_ENTITY_CACHE_STALE_S"),
])
def test_bad_cache_settings_are_named(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    assert named in str(raised.value)


def entry(max_age: int = 60, stored_at: float = 1000.0, private: bool = False) -> Entry:
    return Entry.create(b"{}", '"e"', Freshness(max_age, private), 30, now=stored_at)


def test_entries_are_jittered_down_and_stale_only_when_public() -> None:
    fresh_for = {round(entry().fresh_until - 1000.0, 3) for _ in range(50)}
    assert all(54.0 <= s <= 60.0 for s in fresh_for) and len(fresh_for) > 1
    public = entry()
    assert public.state(1000.0 + 53) == FRESH
    assert public.state(public.fresh_until + 1) == STALE
    assert public.state(public.fresh_until + 31) == EXPIRED
    private = entry(private=True)
    assert private.state(private.fresh_until + 1) == EXPIRED


def test_near_cache_keeps_no_read_that_an_invalidation_overtook() -> None:
    near = NearCache(1 << 20, trusted=True)
    token = near.begin("k")
    near.invalidate("k")  # the key changed while it was being read
    near.fill("k", token, entry())
    assert near.get("k", 1001.0) is None
    token = near.begin("k")
    near.fill("k", token, entry())
    assert near.get("k", 1001.0) is not None
    near.distrust()
    assert near.get("k", 1001.0) is None and len(near) == 0
    near.trust()
    token = near.begin("k")
    near.fill("k", token, entry())
    assert near.get("k", 1001.0 + 61 + 30) is None, "dropped at its own expiry"


def test_near_cache_is_bounded_in_bytes() -> None:
    near = NearCache(64 * 1024, trusted=True)
    for n in range(100):
        near.put(str(n), Entry.create(b"x" * 2000, '"e"', Freshness(60, False), 30,
                                      now=1000.0))
    assert 0 < len(near) <= 64 * 1024 // 2200
    assert near.get("99", 1001.0) is not None and near.get("0", 1001.0) is None
