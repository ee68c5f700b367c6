"""Redis clients for the URL forms of RUNNING.md, with short timeouts and no retries.

Redis backs optional speed-ups (APQ registrations, caches), so it must never
hang a request: every socket operation is bounded by `SOCKET_TIMEOUT_S`, a
failed command is not retried with back-off, and callers add their own
overall bound on top.

URL forms (Apollo Router's spelling):
- `redis://[user:pass@]host:port[/db]`, `rediss://...` (TLS): one server;
- `redis-cluster://[user:pass@]host:port[?node=host:port&node=...]`
  (and `rediss-cluster://`): Redis Cluster, every listed node a seed;
- `redis-sentinel://[user:pass@]host:port[/db]?sentinelServiceName=NAME[&node=host:port...]`
  (and `rediss-sentinel://`): the master of NAME as the sentinels report it;
  `sentinelUsername` / `sentinelPassword` authenticate to the sentinels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff

SOCKET_TIMEOUT_S = 0.25
DEFAULT_PORT = 6379

Kind = Literal["standalone", "cluster", "sentinel"]

_SCHEMES: dict[str, tuple[Kind, bool]] = {
    "redis": ("standalone", False),
    "rediss": ("standalone", True),
    "redis-cluster": ("cluster", False),
    "rediss-cluster": ("cluster", True),
    "redis-sentinel": ("sentinel", False),
    "rediss-sentinel": ("sentinel", True),
}


class RedisUrlError(ValueError):
    """A `BFF_REDIS_URL` that none of the supported forms accepts."""


@dataclass(frozen=True, slots=True)
class RedisTarget:
    """What a Redis URL names: the servers to reach and how to authenticate."""

    kind: Kind
    tls: bool
    nodes: tuple[tuple[str, int], ...]
    db: int = 0
    username: str | None = None
    password: str | None = None
    service_name: str | None = None
    sentinel_username: str | None = None
    sentinel_password: str | None = None
    options: dict[str, str] = field(default_factory=dict)


def _host_port(text: str, what: str) -> tuple[str, int]:
    if not text:
        raise RedisUrlError(f"{what}: a host is required")
    if text.startswith("["):  # [IPv6]:port
        host, _, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":")
    else:
        host, _, port_text = text.rpartition(":") if ":" in text else (text, "", "")
    if not host:
        raise RedisUrlError(f"{what}: a host is required")
    if not port_text:
        return host, DEFAULT_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise RedisUrlError(f"{what}: bad port {port_text!r}")
    return host, int(port_text)


def parse_url(url: str) -> RedisTarget:
    """Parse one of the RUNNING.md URL forms; `RedisUrlError` says what is wrong."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise RedisUrlError(
            f"unsupported scheme {scheme!r}: use one of " + ", ".join(f"{s}://" for s in _SCHEMES)
        )
    kind, tls = _SCHEMES[scheme]
    netloc = parts.netloc.rpartition("@")[2]
    nodes = [_host_port(netloc, "address")]
    query = parse_qs(parts.query, keep_blank_values=True)
    nodes += [_host_port(node, "node") for node in query.pop("node", [])]
    path = parts.path.strip("/")
    if path and not path.isdigit():
        raise RedisUrlError(f"database must be a number, not {path!r}")
    db = int(path) if path else 0
    if kind == "cluster" and db != 0:
        raise RedisUrlError("Redis Cluster has only database 0")
    if kind == "standalone" and len(nodes) > 1:
        raise RedisUrlError("`node=` is for cluster and sentinel URLs")
    service = query.pop("sentinelServiceName", [None])[-1]
    if kind == "sentinel" and not service:
        raise RedisUrlError("a sentinel URL needs ?sentinelServiceName=NAME")
    if kind != "sentinel" and service:
        raise RedisUrlError("sentinelServiceName is for redis-sentinel:// URLs")
    sentinel_username = query.pop("sentinelUsername", [None])[-1]
    sentinel_password = query.pop("sentinelPassword", [None])[-1]
    return RedisTarget(
        kind=kind,
        tls=tls,
        nodes=tuple(dict.fromkeys(nodes)),
        db=db,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        service_name=service,
        sentinel_username=sentinel_username,
        sentinel_password=sentinel_password,
        options={key: values[-1] for key, values in query.items()},
    )


def _common_kwargs(target: RedisTarget) -> dict[str, Any]:
    return {
        "username": target.username,
        "password": target.password,
        "socket_timeout": SOCKET_TIMEOUT_S,
        "socket_connect_timeout": SOCKET_TIMEOUT_S,
        "ssl": target.tls,
    }


def redacted(url: str) -> str:
    """The URL with its password replaced, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    netloc = f"{user}***@{parts.netloc.rsplit('@', 1)[1]}"
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str) -> Any:
    """A client for any RUNNING.md URL form; connections open lazily, on first use."""
    target = parse_url(url)
    no_retry = Retry(NoBackoff(), 0)
    if target.kind == "cluster":
        return RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
            retry=no_retry,
            require_full_coverage=False,
            **_common_kwargs(target),
        )
    if target.kind == "sentinel":
        assert target.service_name is not None  # parse_url guarantees it
        sentinel = Sentinel(
            list(target.nodes),
            sentinel_kwargs={
                "username": target.sentinel_username,
                "password": target.sentinel_password,
                "socket_timeout": SOCKET_TIMEOUT_S,
                "socket_connect_timeout": SOCKET_TIMEOUT_S,
                "ssl": target.tls,
            },
        )
        return sentinel.master_for(
            target.service_name, db=target.db, retry=no_retry, **_common_kwargs(target)
        )
    (host, port), = target.nodes
    return Redis(
        host=host,
        port=port,
        db=target.db,
        retry=no_retry,
        health_check_interval=30,
        **_common_kwargs(target),
    )
