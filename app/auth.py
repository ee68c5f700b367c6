"""Identity: who the request is for, from a bearer token or the `bff_session` cookie.

A token that is present but invalid is refused (401), never read as anonymous.
"""

from __future__ import annotations

import jwt

from app import errors
from app.settings import Settings

SESSION_COOKIE = "bff_session"


class Authenticator:
    """Verifies user tokens (HS256 with `BFF_JWT_SECRET`, plus `iss`/`aud` when configured)."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.jwt_secret or ""
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience

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
        options = {"require": ["sub", "exp"], "verify_aud": self._audience is not None}
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                issuer=self._issuer,
                audience=self._audience,
                options=options,  # type: ignore[arg-type]
            )
        except jwt.ExpiredSignatureError:
            raise _refuse("The token has expired.") from None
        except jwt.PyJWTError:
            raise _refuse("The token is not valid.") from None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise _refuse("The token has no subject.")
        return subject


def _refuse(message: str) -> errors.RequestError:
    return errors.RequestError(
        errors.UNAUTHENTICATED, message, 401, headers={"WWW-Authenticate": "Bearer"}
    )
