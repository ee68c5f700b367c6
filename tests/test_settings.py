"""Start-up validation: every bad value stops start-up with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings, unused_variables

URLS = {f"BFF_UPSTREAM_{n}_URL": f"http://127.0.0.1:9/{n.lower()}" for n in (
    "USERS", "CATALOG", "PRICING", "INVENTORY", "REVIEWS", "RECOMMENDATIONS", "CART",
    "ORDERS", "PROMOTIONS", "SHIPPING")}


def test_defaults_are_the_running_md_ones() -> None:
    settings = load_settings({})
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.env == "development"
    assert (settings.default_timeout_ms, settings.max_timeout_ms) == (1000, 5000)
    assert settings.embedded_upstreams
    assert settings.introspection_enabled and settings.graphiql_enabled
    assert settings.effective_log_format == "console"
    assert all(u.max_batch == 100 for u in settings.upstreams.values())
    assert (settings.retries, settings.retry_budget, settings.upstream_min_budget_ms) == (
        "on", 0.1, 20)


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"BFF_PORT": "eighty"}, "BFF_PORT"),
        ({"BFF_PORT": "70000"}, "BFF_PORT"),
        ({"BFF_ENV": "staging"}, "BFF_ENV"),
        ({"BFF_WORKERS": "0"}, "BFF_WORKERS"),
        ({"BFF_LOG_FORMAT": "xml"}, "BFF_LOG_FORMAT"),
        ({"BFF_INTROSPECTION": "maybe"}, "BFF_INTROSPECTION"),
        ({"BFF_REDIS_URL": "http://127.0.0.1:6379"}, "BFF_REDIS_URL"),
        ({"BFF_UPSTREAM_REVIEWS_TIMEOUT_MS": "-5"}, "BFF_UPSTREAM_REVIEWS_TIMEOUT_MS"),
        ({"BFF_UPSTREAM_CATALOG_MAX_BATCH": "101"}, "BFF_UPSTREAM_CATALOG_MAX_BATCH"),
        ({"BFF_UPSTREAM_CART_MAX_CONCURRENCY": "lots"}, "BFF_UPSTREAM_CART_MAX_CONCURRENCY"),
        ({**URLS, "BFF_UPSTREAM_USERS_URL": "ftp://x"}, "BFF_UPSTREAM_USERS_URL"),
        ({"BFF_UPSTREAM_USERS_URL": "http://users:80"}, "BFF_UPSTREAM_CATALOG_URL"),
        ({"BFF_DEFAULT_TIMEOUT_MS": "6000"}, "BFF_DEFAULT_TIMEOUT_MS"),
        ({"BFF_ENV": "production", "BFF_JWT_SECRET": "x"}, "BFF_SERVICE_TOKEN"),
        ({"BFF_ENV": "production", "BFF_SERVICE_TOKEN": "x"}, "BFF_JWT_SECRET"),
        ({"BFF_JWT_SECRET_FILE": "/nonexistent/secret"}, "BFF_JWT_SECRET_FILE"),
        ({"BFF_CORS_ORIGINS": "shop.example"}, "BFF_CORS_ORIGINS"),
        ({"BFF_TRUSTED_PROXIES": "10.0.0.0/33"}, "BFF_TRUSTED_PROXIES"),
        ({"BFF_RATE_LIMIT_MAX_COST": "100"}, "BFF_RATE_LIMIT_RESTORE_RATE"),
        ({"BFF_RETRIES": "sometimes"}, "BFF_RETRIES"),
        ({"BFF_RETRY_BUDGET": "1.5"}, "BFF_RETRY_BUDGET"),
        ({"BFF_RETRY_BUDGET": "-0.1"}, "BFF_RETRY_BUDGET"),
        ({"BFF_UPSTREAM_MIN_BUDGET_MS": "0"}, "BFF_UPSTREAM_MIN_BUDGET_MS"),
        ({"BFF_UPSTREAM_MIN_BUDGET_MS": "1000"}, "BFF_UPSTREAM_MIN_BUDGET_MS"),
    ],
)
def test_bad_values_name_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)
    assert named in str(raised.value)


def test_secret_from_file_is_stripped(tmp_path: Path) -> None:
    secret = tmp_path / "jwt"
    secret.write_text("  s3cret-value\n")
    settings = load_settings({"BFF_JWT_SECRET_FILE": str(secret)})
    assert settings.jwt_secret == "s3cret-value"


def test_unused_variables_are_named_with_the_reason() -> None:
    environ = {"BFF_PORT": "1", "BFF_JWT_SECRET_FILE": "x", "BFF_UPSTREAM_CART_TIMEOUT_MS": "5",
               "BFF_RETRIES": "off", "BFF_RETRY_BUDGET": "0.2",
               "BFF_UPSTREAM_MIN_BUDGET_MS": "30",
               "BFF_RESPONSE_CACHE": "on", "BFF_ENTITY_CACHE_CATALOG_TTL_S": "5",
               "BFF_ENTITY_CACHE_SHIPPING_TTL_S": "0", "BFF_ENTITY_CACHE_FOO_TTL_S": "5",
               "BFF_MAX_COSTS": "5", "PATH": "/bin"}
    assert unused_variables(environ) == [
        "BFF_ENTITY_CACHE_FOO_TTL_S is not a setting of this server; ignored (a typo?)",
        "BFF_MAX_COSTS is not a setting of this server; ignored (did you mean BFF_MAX_COST?)",
    ]


def test_every_upstream_url_points_at_the_service() -> None:
    settings = load_settings({**URLS, "BFF_UPSTREAM_REVIEWS_TIMEOUT_MS": "250"})
    assert not settings.embedded_upstreams
    assert settings.upstreams["reviews"].timeout_ms == 250
    assert settings.upstreams["catalog"].url == "http://127.0.0.1:9/catalog"


def test_missing_production_secrets_are_named_together() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"BFF_ENV": "production"})
    message = str(refused.value)
    assert "BFF_SERVICE_TOKEN" in message and "BFF_JWT_SECRET" in message
    assert message.count("\n") == 1, "one problem line naming both"


def test_offline_commands_do_not_need_production_secrets() -> None:
    settings = load_settings({"BFF_ENV": "production"}, offline=True)
    assert settings.is_production and settings.service_token is None


def test_a_boolean_setting_error_lists_the_accepted_values() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"BFF_GRAPHIQL": "maybe"})
    assert "BFF_GRAPHIQL" in str(refused.value)
    assert "true or false" in str(refused.value) and "'maybe'" in str(refused.value)


def test_an_unknown_variable_gets_the_nearest_real_name() -> None:
    found = unused_variables({"BFF_HEDGNG": "on", "BFF_ZZZ_QQQ": "1"})
    assert "BFF_HEDGNG is not a setting of this server; ignored (did you mean BFF_HEDGING?)" \
        in found
    assert "BFF_ZZZ_QQQ is not a setting of this server; ignored (a typo?)" in found
