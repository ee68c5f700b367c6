"""`bff token`: a signed user token for development, for pasting into GraphiQL's headers.

Signed HS256 with the configured `BFF_JWT_SECRET` (the development default when
unset), carrying `BFF_JWT_ISSUER`/`BFF_JWT_AUDIENCE` when those are set, so the
server started with the same settings accepts it. It refuses to run with
`BFF_ENV=production`: minting tokens with a production secret from a shell is
exactly what must not be easy.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import jwt
import orjson

from app.auth import MAX_SUBJECT_CHARS, usable_subject
from app.settings import Settings

DEFAULT_TTL_S = 3600
_RESERVED = {"sub": "--sub", "exp": "--ttl", "iat": "--ttl"}


class TokenError(Exception):
    """Why no token was printed, worded for the developer."""


def claim_value(text: str) -> Any:
    """`--claim k=v`: v as JSON when it is JSON (`true`, `3`, `["a"]`), else the text itself."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def parse_claims(pairs: list[str]) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise TokenError(f"--claim {pair!r}: give it as NAME=VALUE")
        if name in _RESERVED:
            raise TokenError(f"--claim {name}: set it with {_RESERVED[name]}")
        claims[name] = claim_value(value)
    return claims


def issue(settings: Settings, subject: str, ttl_s: int, pairs: list[str],
          now: float | None = None) -> str:
    """The signed token, or `TokenError` saying why not."""
    if settings.is_production:
        raise TokenError("refusing to mint a token with BFF_ENV=production "
                         "(development tokens only)")
    if not settings.jwt_secret:
        raise TokenError("no BFF_JWT_SECRET to sign with")
    if not usable_subject(subject):
        raise TokenError(f"--sub must be 1 to {MAX_SUBJECT_CHARS} printable ASCII characters "
                         "without spaces (the server refuses any other subject)")
    if ttl_s < 1:
        raise TokenError("--ttl must be a positive number of seconds")
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {}
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    claims.update(parse_claims(pairs))
    claims.update(sub=subject, iat=issued, exp=issued + ttl_s)
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def run(settings: Settings, subject: str, ttl_s: int, pairs: list[str]) -> int:
    try:
        token = issue(settings, subject, ttl_s, pairs)
    except TokenError as exc:
        print(f"bff token: {exc}", file=sys.stderr)
        return 2
    print(token)
    print(f"bff token: valid for {ttl_s} s; GraphiQL headers: "
          f'{{"Authorization": "Bearer <the token above>"}}', file=sys.stderr)
    return 0
