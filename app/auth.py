"""Identity: who the request is for, from a bearer token or the `bff_session` cookie.

A token that is present but invalid is refused (401), never read as anonymous.
Keys: HS256 with `BFF_JWT_SECRET`; RS256/ES256 (and PS256) with the PEM in
`BFF_JWT_PUBLIC_KEY_FILE` or the key of the token's `kid` in the JWKS of
`BFF_JWT_JWKS_FILE`. The algorithm is chosen by the key, never by the token
alone (no `none`, no HS256 with a public key).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from app import errors
from app.upstream_http import plain_header_value

if TYPE_CHECKING:
    from app.settings import Settings

SESSION_COOKIE = "bff_session"
MAX_SUBJECT_CHARS = 256


def usable_subject(subject: object) -> bool:
    """A `sub` the BFF can use as a user id: 1..256 printable ASCII characters, no space.

    It is sent upstream as the `X-User-Id` header (and in paths such as
    `/carts/<userId>`), and a header value is ASCII without line breaks. Rather
    than pass on a different id (percent-encoded, say) than the one the
    identity provider issued, a token whose subject is anything else is refused
    (401): user ids of this contract are plain ASCII (`u0001`).
    """
    return isinstance(subject, str) and len(subject) <= MAX_SUBJECT_CHARS \
        and plain_header_value(subject)
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


def load_verification_keys(path: str) -> dict[str | None, Any]:
    """Public keys by `kid` (None: the one key of a PEM file) from a PEM or JWKS file."""
    text = Path(path).read_text(encoding="utf-8").strip()
    if text.startswith("{"):
        try:
            jwks = jwt.PyJWKSet.from_dict(json.loads(text))
        except (json.JSONDecodeError, jwt.PyJWTError) as exc:
            raise ValueError(f"not a usable JWKS: {exc}") from None
        return {key.key_id: key.key for key in jwks.keys}
    try:
        return {None: load_pem_public_key(text.encode())}
    except ValueError as exc:
        raise ValueError(f"not a PEM public key: {exc}") from None


class Authenticator:
    """Verifies user tokens against the configured keys, plus `iss`/`aud` when configured."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.jwt_secret or None
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._options = {"require": ["sub", "exp"], "verify_aud": self._audience is not None}
        self._public: dict[str | None, Any] = {}
        for path in (settings.jwt_public_key_file, settings.jwt_jwks_file):
            if path:
                self._public.update(load_verification_keys(path))

    def _key_for(self, token: str) -> tuple[Any, list[str]]:
        if not self._public and self._secret:  # one key: PyJWT checks the header's alg
            return self._secret, ["HS256"]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _refuse("The token is not valid.") from None
        algorithm = header.get("alg")
        if algorithm == "HS256" and self._secret:
            return self._secret, ["HS256"]
        if algorithm in ASYMMETRIC:
            key = self._public.get(header.get("kid")) or self._public.get(None)
            if key is not None:
                return key, [algorithm]
        raise _refuse("The token is not signed with a key this server trusts.")

    def token_from(self, authorization: str | None, cookie: str | None) -> str | None:
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise _refuse("The Authorization header must be `Bearer <token>`.")
            return token.strip()
        return cookie or None

    def user_id(self, token: str | None) -> str | None:
        """The user id (`sub`) of a valid token; None when there is no token."""
        if token is None:
            return None
        key, algorithms = self._key_for(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=self._issuer,
                audience=self._audience,
                options=self._options,  # type: ignore[arg-type]
            )
        except jwt.ExpiredSignatureError:
            raise _refuse("The token has expired.") from None
        except (jwt.PyJWTError, ValueError, TypeError):  # key of another type: not ours
            raise _refuse("The token is not valid.") from None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise _refuse("The token has no subject.")
        if not usable_subject(subject):
            raise _refuse("The token's subject is not a usable user id (1 to "
                          f"{MAX_SUBJECT_CHARS} printable ASCII characters, no spaces).")
        return subject


def _refuse(message: str) -> errors.RequestError:
    return errors.RequestError(
        errors.UNAUTHENTICATED, message, 401, headers={"WWW-Authenticate": "Bearer"}
    )
