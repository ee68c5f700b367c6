"""What the bench sends: contract operations, their variables, and a user token."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

import jwt
import orjson

JWT_SECRET: Final = "bench-only-jwt-secret-not-for-production"
SERVICE_TOKEN: Final = "bench-only-service-token"
BENCH_USER: Final = "u0001"
SEARCH_TERMS: Final = ("lamp", "bag", "desk", "mug", "watch", "table", "bottle", "rug")
"""Terms whose first 20 results are all priced in the demo data (no degraded answers)."""
LONG_BUDGET: Final = {"X-Request-Timeout-Ms": "5000"}
"""Where the deadline is not what is measured: the largest budget the server allows by
default, so that queueing under saturation cannot cut a query short."""
GET_HEADERS: Final = {"Apollo-Require-Preflight": "true"}
"""What Apollo Client sends with a GET so that CSRF guards (the BFF's, Apollo's, the
Mercurius peer's) let it through."""


def contract_dir() -> Path:
    """`BENCH_CONTRACT_DIR`, else the shared contract next to the repository (as the tests use)."""
    override = os.environ.get("BENCH_CONTRACT_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "shared" / "contract"


def operation_text(name: str) -> str:
    path = contract_dir() / "operations" / f"{name}.graphql"
    try:
        return path.read_text()
    except OSError as exc:
        raise RuntimeError(
            f"contract operation {name} not found at {path} (set BENCH_CONTRACT_DIR)"
        ) from exc


def user_token(sub: str = BENCH_USER, ttl_s: int = 6 * 3600) -> str:
    now = int(time.time())
    return jwt.encode({"sub": sub, "iat": now, "exp": now + ttl_s}, JWT_SECRET, algorithm="HS256")


@dataclass(frozen=True)
class Request:
    """One GraphQL request as the load generators send it."""

    name: str
    query: str
    variables: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        return orjson.dumps(
            {"query": self.query, "variables": self.variables, "operationName": self.name}
        )

    def post_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", **self.headers}

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.query.encode()).hexdigest()


def search_results(term: str = "lamp", first: int = 20) -> Request:
    return Request("SearchResults", operation_text("SearchResults"),
                   {"query": term, "first": first})


def home_screen(signed_in: bool = True) -> Request:
    headers = {"Authorization": f"Bearer {user_token()}"} if signed_in else {}
    return Request("HomeScreen", operation_text("HomeScreen"), {}, headers)


def throughput_requests() -> list[Request]:
    """Scenario 1's pair: the search grid (anonymous) and the home screen (signed in)."""
    return [search_results(), home_screen(signed_in=True)]


def search_mix() -> list[bytes]:
    """Bodies cycled by the memory run: the same document, varied data."""
    return [search_results(term, first).body() for term in SEARCH_TERMS for first in (10, 20)]


def persisted_get_url(graphql_url: str, req: Request) -> str:
    """Apollo APQ by GET: hash only, variables and extensions as JSON query parameters."""
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": req.sha256}}
    query = urlencode({
        "operationName": req.name,
        "variables": orjson.dumps(req.variables).decode(),
        "extensions": orjson.dumps(extensions).decode(),
    })
    return f"{graphql_url}?{query}"
