"""User tokens verified with public keys (PEM or JWKS), and the attacks on that choice."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.settings import SettingsError, load_settings
from demo.server import DemoServer
from tests.servers import BffServer, Demo, start_bff

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def _token(key: object, algorithm: str, sub: str = "u0004", **headers: str) -> str:
    now = int(time.time())
    return jwt.encode({"sub": sub, "exp": now + 600, "iat": now}, key,  # type: ignore[arg-type]
                      algorithm=algorithm, headers=headers or None)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256_by_hand(secret: bytes) -> str:
    """What an attacker forges (PyJWT itself refuses to sign HS256 with a public key)."""
    signing_input = _b64(b'{"alg":"HS256","typ":"JWT"}') + "." + _b64(
        json.dumps({"sub": "u0001", "exp": int(time.time()) + 600}).encode())
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@pytest.fixture(scope="module")
def keyed(demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[BffServer]:
    folder: Path = tmp_path_factory.mktemp("keys")
    pem = folder / "public.pem"
    pem.write_bytes(_pem(RSA_KEY))
    jwks = folder / "jwks.json"
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(EC_KEY.public_key()))
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "ec-1", "use": "sig", "alg": "ES256"}]}))
    server = start_bff(demo_server, env="production", service_token="s", jwt_secret=None,
                       jwt_public_key_file=str(pem), jwt_jwks_file=str(jwks))
    yield server
    server.stop()


def _viewer(server: BffServer, token: str) -> httpx.Response:
    return httpx.post(server.url, json={"query": "{ viewer { id } }"},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_rs256_with_the_pem_key_and_es256_by_kid(keyed: BffServer, demo: Demo) -> None:
    assert _viewer(keyed, _token(RSA_KEY, "RS256")).json()["data"] == {"viewer": {"id": "u0004"}}
    assert _viewer(keyed, _token(EC_KEY, "ES256", kid="ec-1")).json()["data"] == {
        "viewer": {"id": "u0004"}}


def test_untrusted_keys_and_algorithm_tricks_are_401(keyed: BffServer, demo: Demo) -> None:
    public_pem = _pem(RSA_KEY)
    tokens = [
        _token(OTHER_KEY, "RS256"),  # signed by someone else
        _hs256_by_hand(public_pem),  # the public key used as an HMAC secret
        _token(b"development-only-secret-change-me", "HS256"),  # no secret in production
        _token(EC_KEY, "ES256", kid="unknown"),  # a kid nobody published: the PEM is RSA
    ]
    claims = _b64(json.dumps({"sub": "u0001", "exp": int(time.time()) + 600}).encode())
    none_header = _b64(b'{"alg":"none","typ":"JWT"}')
    tokens.append(f"{none_header}.{claims}.")  # alg none
    for token in tokens:
        response = _viewer(keyed, token)
        assert response.status_code == 401, token[:40]
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert demo.calls() == {}


def test_production_accepts_a_public_key_instead_of_a_secret(tmp_path: Path) -> None:
    pem = tmp_path / "public.pem"
    pem.write_bytes(_pem(RSA_KEY))
    settings = load_settings({"BFF_ENV": "production", "BFF_SERVICE_TOKEN": "s",
                              "BFF_JWT_PUBLIC_KEY_FILE": str(pem)})
    assert settings.jwt_secret is None
    with pytest.raises(SettingsError, match="BFF_JWT_SECRET"):
        load_settings({"BFF_ENV": "production", "BFF_SERVICE_TOKEN": "s"})
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    with pytest.raises(SettingsError, match="BFF_JWT_PUBLIC_KEY_FILE"):
        load_settings({"BFF_JWT_PUBLIC_KEY_FILE": str(garbage)})


@pytest.mark.parametrize("subject", ["us\u00e9r", "u0001\r\nx-admin: 1", "u 1", "u" * 257])
def test_a_subject_that_cannot_be_a_user_id_is_401(
    bff_server: BffServer, demo: Demo, subject: str
) -> None:
    """It would be sent upstream as X-User-Id: refused at the edge, never a masked 500."""
    from tests.conftest import make_token

    response = _viewer(bff_server, make_token(subject))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "subject" in response.json()["errors"][0]["message"]
    assert demo.calls() == {}
