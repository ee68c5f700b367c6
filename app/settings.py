"""Configuration from `BFF_*` environment variables, validated once at start-up.

Every bad value stops start-up with a message naming the variable, so an
operator never has to guess which of forty settings is wrong.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

SERVICES: tuple[str, ...] = (
    "users",
    "catalog",
    "pricing",
    "inventory",
    "reviews",
    "recommendations",
    "cart",
    "orders",
    "promotions",
    "shipping",
)
"""The ten upstream services of UPSTREAMS.md; also their client-facing component names."""

SECRET_SETTINGS = ("JWT_SECRET", "SERVICE_TOKEN")
DEV_SECRET = "development-only-secret-change-me"
DEV_SERVICE_TOKEN = "development-service-token"
UPSTREAM_BATCH_LIMIT = 100


class SettingsError(Exception):
    """A configuration problem, worded for the operator."""


class UpstreamSettings(BaseModel):
    """How the BFF reaches one service."""

    url: str | None = None
    timeout_ms: int = Field(default=800, ge=1, le=60_000)
    max_concurrency: int = Field(default=256, ge=1, le=100_000)
    max_batch: int = Field(default=UPSTREAM_BATCH_LIMIT, ge=1, le=UPSTREAM_BATCH_LIMIT)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")


class Settings(BaseModel):
    """The whole server configuration (RUNNING.md names, `BFF_` prefix dropped)."""

    model_config = {"extra": "forbid"}

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=256)
    env: Literal["development", "production"] = "development"
    service_token: str | None = None
    redis_url: str | None = None
    default_timeout_ms: int = Field(default=1000, ge=1, le=600_000)
    max_timeout_ms: int = Field(default=5000, ge=1, le=600_000)
    jwt_secret: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_public_key_file: str | None = None
    jwt_jwks_file: str | None = None
    log_format: Literal["json", "console"] | None = None
    introspection: bool | None = None
    graphiql: bool | None = None
    max_in_flight: int = Field(default=1024, ge=1, le=1_000_000)
    max_body_bytes: int = Field(default=1_048_576, ge=256, le=1_073_741_824)
    max_header_bytes: int = Field(default=16_384, ge=1024, le=1_048_576)
    cors_origins: tuple[str, ...] = ()
    hedging: Literal["on", "off"] = "off"
    retries: Literal["on", "off"] = "on"
    """`on`: one retry of an idempotent read on refused/reset connections and 502/503/504."""
    retry_budget: float = Field(default=0.1, ge=0, le=1)
    """Retries per service and process: at most this fraction of its calls (sliding window)."""
    upstream_min_budget_ms: int = Field(default=20, ge=1, le=60_000)
    """No upstream call starts with less of the request's budget left than this."""
    planner: Literal["on", "off"] = "on"
    """`off`: every operation runs on graphql-core's executor (the reference), a kill switch."""
    breaker_min_calls: int = Field(default=20, ge=1, le=100_000)
    breaker_failure_rate: float = Field(default=0.5, gt=0, le=1)
    breaker_open_ms: int = Field(default=5000, ge=1, le=3_600_000)
    shutdown_grace_s: float = Field(default=10.0, ge=0, le=3600)
    document_cache_size: int = Field(default=2048, ge=0, le=1_000_000)
    redis_key_prefix: str = Field(default="bff:", max_length=64)
    persisted_queries: Literal["open", "safelist"] = "open"
    persisted_query_manifests: tuple[str, ...] = ()
    persisted_query_ttl_s: int = Field(default=86_400, ge=1, le=31_536_000)
    cache_private: bool = False
    response_cache: Literal["on", "off"] | None = None
    """None: `on` when `BFF_REDIS_URL` is set (RUNNING.md)."""
    response_cache_max_ttl_s: int = Field(default=300, ge=0, le=86_400)
    response_cache_stale_s: int = Field(default=30, ge=0, le=86_400)
    """How long past its max-age a public entry may still be served (`X-Cache: STALE`) while
    one request revalidates it; 0: entries expire at their max-age."""
    response_cache_near_bytes: int = Field(default=16 * 1024 * 1024, ge=0, le=4 * 1024**3)
    """The in-process near-cache of public entries (Redis keeps it coherent); 0: off."""
    entity_cache_ttl_s: dict[str, int] = Field(default_factory=dict)
    """Per service (`BFF_ENTITY_CACHE_<NAME>_TTL_S`); services not given get their default."""
    entity_cache_stale_s: int = Field(default=600, ge=0, le=86_400)
    max_cost: int = Field(default=1000, ge=1, le=10_000_000)
    max_depth: int = Field(default=15, ge=1, le=1000)
    max_aliases: int = Field(default=30, ge=0, le=100_000)
    max_root_fields: int = Field(default=10, ge=1, le=10_000)
    max_tokens: int = Field(default=5000, ge=10, le=10_000_000)
    max_directives: int = Field(default=5, ge=0, le=1000)
    rate_limit_max_cost: int | None = Field(default=None, ge=1, le=100_000_000)
    rate_limit_restore_rate: float | None = Field(default=None, gt=0, le=100_000_000)
    rate_limit_fail_open: bool = True
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    upstreams: dict[str, UpstreamSettings] = Field(default_factory=dict)
    otlp_endpoint: str | None = None
    """OTLP/HTTP collector for traces (`http://host:4318`, or its full `/v1/traces` URL);
    None: tracing off (trace ids still continued and propagated, nothing exported)."""

    @field_validator("otlp_endpoint")
    @classmethod
    def _otlp_url(cls, value: str | None) -> str | None:
        """An http(s) URL with a host; a bare origin gets OTLP/HTTP's `/v1/traces` path."""
        if value is None or value.strip() == "":
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"must be an http:// or https:// URL of an OTLP/HTTP collector, like "
                f"http://127.0.0.1:4318; got {value!r}")
        try:
            parts.port  # noqa: B018 (raises on a bad port)
        except ValueError as exc:
            raise ValueError(f"{exc}; got {value!r}") from None
        if parts.path in ("", "/"):
            return f"{parts.scheme}://{parts.netloc}/v1/traces"
        return value.strip()

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        schemes = (
            "redis://",
            "rediss://",
            "redis-cluster://",
            "rediss-cluster://",
            "redis-sentinel://",
            "rediss-sentinel://",
        )
        if not value.startswith(schemes):
            raise ValueError("must start with one of " + ", ".join(schemes))
        from app.redis_client import RedisUrlError, parse_url

        try:
            parse_url(value)
        except RedisUrlError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("jwt_public_key_file", "jwt_jwks_file")
    @classmethod
    def _readable_key(cls, value: str | None) -> str | None:
        """A key file that can be read and used (PEM public key, or a JWKS document)."""
        if not value:
            return None
        from app.auth import load_verification_keys

        try:
            load_verification_keys(value)
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot use {value!r}: {exc}") from None
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        """Comma-separated origins (`https://shop.example`), each a scheme and a host."""
        if isinstance(value, str):
            value = [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        for origin in value or ():
            if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
                raise ValueError(f"{origin!r} is not an origin like https://shop.example")
        return tuple(value or ())

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        """Comma-separated addresses or CIDRs."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        try:
            return tuple(ipaddress.ip_network(part, strict=False) for part in value or ())
        except ValueError as exc:
            raise ValueError(f"not an address or CIDR: {exc}") from None

    @field_validator("persisted_query_manifests", mode="before")
    @classmethod
    def _manifest_paths(cls, value: Any) -> Any:
        """Comma-separated paths, each a readable Apollo persisted-query manifest whose ids
        name no other document than the shipped manifests' (and each other's) do."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        from persisted_queries.manifest import ManifestError, load_index

        try:
            load_index(value or ())
        except ManifestError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Settings:
        if self.default_timeout_ms > self.max_timeout_ms:
            raise ValueError(
                "BFF_DEFAULT_TIMEOUT_MS must not exceed BFF_MAX_TIMEOUT_MS "
                f"({self.default_timeout_ms} > {self.max_timeout_ms})"
            )
        if self.upstream_min_budget_ms >= self.default_timeout_ms:
            raise ValueError(
                "BFF_UPSTREAM_MIN_BUDGET_MS must be below BFF_DEFAULT_TIMEOUT_MS "
                f"({self.upstream_min_budget_ms} >= {self.default_timeout_ms}): no upstream "
                "call could ever start"
            )
        offline = bool(info.context and info.context.get("offline"))
        if self.env == "production" and not offline:
            missing = []
            if not self.service_token:
                missing.append("BFF_SERVICE_TOKEN")
            if not (self.jwt_secret or self.jwt_public_key_file or self.jwt_jwks_file):
                missing.append("BFF_JWT_SECRET (or BFF_JWT_PUBLIC_KEY_FILE / BFF_JWT_JWKS_FILE)")
            if missing:
                raise ValueError(
                    "required when BFF_ENV=production, and not set: " + "; ".join(missing)
                )
        elif self.env != "production":
            self.service_token = self.service_token or DEV_SERVICE_TOKEN
            self.jwt_secret = self.jwt_secret or DEV_SECRET
        if (self.rate_limit_max_cost is None) != (self.rate_limit_restore_rate is None):
            raise ValueError(
                "set both BFF_RATE_LIMIT_MAX_COST and BFF_RATE_LIMIT_RESTORE_RATE, or neither"
            )
        for name in SERVICES:
            self.upstreams.setdefault(name, UpstreamSettings())
        self.entity_cache_ttl_s = _entity_ttls(self.entity_cache_ttl_s)
        urls = [self.upstreams[name].url for name in SERVICES]
        if any(urls) and not all(urls):
            missing = [
                f"BFF_UPSTREAM_{n.upper()}_URL" for n in SERVICES if not self.upstreams[n].url
            ]
            raise ValueError(
                "either set every BFF_UPSTREAM_<NAME>_URL or none (embedded demo upstreams); "
                "missing: " + ", ".join(missing)
            )
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def embedded_upstreams(self) -> bool:
        """No upstream URL configured: `bff serve` starts the demo services itself."""
        return not any(u.url for u in self.upstreams.values())

    @property
    def response_cache_enabled(self) -> bool:
        if self.response_cache is None:
            return self.redis_url is not None
        return self.response_cache == "on"

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.is_production

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.is_production

    @property
    def effective_log_format(self) -> str:
        return self.log_format or ("json" if self.is_production else "console")


ENTITY_CACHE_TTLS: dict[str, tuple[int, int]] = {
    "catalog": (0, 86_400),
    "reviews": (0, 86_400),
    "promotions": (0, 3_600),
    "pricing": (0, 10),
    "inventory": (0, 10),
}
"""The services whose answers the entity cache may keep: (default TTL, largest TTL) in seconds.
Off by default: each cached batch costs the BFF a Redis read and write (about 0.25 ms of
CPU per loader per request with redis-py, README Performance), worth it in front of a
slow or costly service, not in front of one that answers at once. Prices and stock only
for seconds; carts, users, orders, recommendations and delivery estimates never (per
user, or not worth it)."""


def _entity_ttls(given: dict[str, int]) -> dict[str, int]:
    """Every cacheable service's TTL (defaults filled in); a TTL for any other service, or
    beyond its largest, is a start-up error naming the variable."""
    for service, ttl in given.items():
        name = f"BFF_ENTITY_CACHE_{service.upper()}_TTL_S"
        if service not in ENTITY_CACHE_TTLS:
            if ttl != 0:
                raise ValueError(f"{name}: {service} answers are never cached (use 0 or unset)")
            continue
        largest = ENTITY_CACHE_TTLS[service][1]
        if not 0 <= ttl <= largest:
            raise ValueError(f"{name}: must be between 0 and {largest} seconds")
    return {service: given.get(service, default)
            for service, (default, _) in ENTITY_CACHE_TTLS.items()}


_UPSTREAM_FIELDS = ("url", "timeout_ms", "max_concurrency", "max_batch")
_TOP_FIELDS = tuple(name for name in Settings.model_fields
                    if name not in ("upstreams", "entity_cache_ttl_s"))


def _worded(error: Any) -> str:
    """pydantic's message, with what a setting accepts where pydantic does not say it."""
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "bool_parsing":
        return f"{message}: use true or false (also 1/0, yes/no, on/off); got {error['input']!r}"
    return message


def unused_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """`BFF_*` variables this server does not read, each with why: said at start-up, so a
    typo or a setting of a later version does not pass for configuration."""
    env = os.environ if environ is None else environ
    known = {f"BFF_{name.upper()}" for name in _TOP_FIELDS}
    known |= {f"BFF_{name}_FILE" for name in SECRET_SETTINGS}
    known |= {f"BFF_UPSTREAM_{s.upper()}_{f.upper()}" for s in SERVICES for f in _UPSTREAM_FIELDS}
    known |= {f"BFF_ENTITY_CACHE_{s.upper()}_TTL_S" for s in SERVICES}
    found = []
    for name in sorted(env):
        if not name.startswith("BFF_") or name in known:
            continue
        nearest = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.88)
        hint = f"did you mean {nearest[0]}?" if nearest else "a typo?"
        found.append(f"{name} is not a setting of this server; ignored ({hint})")
    return found


def _read_secret(environ: Mapping[str, str], key: str) -> str | None:
    """`BFF_X` or, failing that, the stripped contents of the file named by `BFF_X_FILE`."""
    direct = environ.get(f"BFF_{key}")
    path = environ.get(f"BFF_{key}_FILE")
    if direct is not None and path is not None:
        raise SettingsError(f"BFF_{key} and BFF_{key}_FILE are both set; set only one")
    if path is None:
        return direct
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(f"BFF_{key}_FILE: cannot read {path!r} ({exc.strerror})") from exc


def _env_name(loc: tuple[Any, ...]) -> str:
    if len(loc) >= 3 and loc[0] == "upstreams":
        return f"BFF_UPSTREAM_{str(loc[1]).upper()}_{str(loc[2]).upper()}"
    if len(loc) >= 2 and loc[0] == "entity_cache_ttl_s":
        return f"BFF_ENTITY_CACHE_{str(loc[1]).upper()}_TTL_S"
    if loc:
        return f"BFF_{str(loc[0]).upper()}"
    return "BFF_*"


def load_settings(
    environ: Mapping[str, str] | None = None, *, offline: bool = False, **overrides: Any
) -> Settings:
    """Read and validate the environment; raise `SettingsError` naming each bad variable.

    `offline`: for commands that serve nothing and call no service (`bff cost`, `bff pq
    build|check`, `bff schema`): production's secrets are not required.
    """
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    for name in _TOP_FIELDS:
        key = name.upper()
        value = _read_secret(env, key) if key in SECRET_SETTINGS else env.get(f"BFF_{key}")
        if value is not None:
            raw[name] = value
    upstreams: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        fields = {
            field: env[f"BFF_UPSTREAM_{service.upper()}_{field.upper()}"]
            for field in _UPSTREAM_FIELDS
            if f"BFF_UPSTREAM_{service.upper()}_{field.upper()}" in env
        }
        upstreams[service] = fields
    for service, fields in overrides.pop("upstreams", {}).items():
        upstreams.setdefault(service, {}).update(fields)
    raw["upstreams"] = upstreams
    raw["entity_cache_ttl_s"] = {
        service: env[f"BFF_ENTITY_CACHE_{service.upper()}_TTL_S"] for service in SERVICES
        if f"BFF_ENTITY_CACHE_{service.upper()}_TTL_S" in env
    } | overrides.pop("entity_cache_ttl_s", {})
    raw.update(overrides)
    try:
        return Settings.model_validate(raw, context={"offline": offline})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = _worded(error)
            if error["loc"]:
                problems.append(f"{_env_name(tuple(error['loc']))}: {message}")
            else:
                problems.append(message)
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(problems)) from None
