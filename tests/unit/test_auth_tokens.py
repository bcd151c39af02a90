"""Access tokens: what auth_service mints verifies, and every forged or stale variant is refused."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import astuple

import jwt
import pytest

from auth_service.tokens import TokenIssuer
from shared.web.tokens import InvalidToken, TokenVerifier
from tests.support.tokens import KeyPair

ISS, AUD = "bookstore-auth", "bookstore"


PRIVATE, PUBLIC = astuple(KeyPair.generate())
OTHER_PRIVATE = KeyPair.generate().private_pem
VERIFIER = TokenVerifier(public_key=PUBLIC, issuer=ISS, audience=AUD)


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "sub": "u1",
        "email": "a@example.com",
        "name": "Ann",
        "jti": "j1",
        "iat": now,
        "exp": now + 900,
        "iss": ISS,
        "aud": AUD,
        "typ": "access",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: dict[str, object], key: str = PRIVATE) -> str:
    return jwt.encode(payload, key, algorithm="EdDSA")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_token_minted_by_auth_service_verifies_with_the_public_key() -> None:
    issued = TokenIssuer(PRIVATE, ISS, AUD, ttl=900).issue(user_id="u1", email="a@x.io", name="A")
    user = VERIFIER.verify(issued.token)
    assert (user.id, user.email, user.name, user.jti) == ("u1", "a@x.io", "A", issued.jti)
    header = jwt.get_unverified_header(issued.token)
    assert header["alg"] == "EdDSA"
    payload = jwt.decode(issued.token, options={"verify_signature": False})
    assert payload["exp"] - payload["iat"] == 900 and payload["typ"] == "access"


def test_every_token_gets_its_own_jti() -> None:
    issuer = TokenIssuer(PRIVATE, ISS, AUD, ttl=900)
    assert (
        issuer.issue(user_id="u", email="e", name="n").jti
        != issuer.issue(user_id="u", email="e", name="n").jti
    )


def test_alg_none_is_refused() -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims())}."
    with pytest.raises(InvalidToken):
        VERIFIER.verify(token)


def test_hs256_signed_with_the_public_key_as_secret_is_refused() -> None:
    import hashlib
    import hmac

    header, payload = _b64({"alg": "HS256", "typ": "JWT"}), _b64(claims())
    mac = hmac.new(PUBLIC.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        VERIFIER.verify(f"{header}.{payload}.{signature}")


def test_a_token_signed_by_another_key_is_refused() -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.verify(sign(claims(), OTHER_PRIVATE))


def test_an_expired_token_is_refused() -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.verify(sign(claims(exp=int(time.time()) - 60)))


def test_a_token_expired_within_the_small_leeway_still_verifies() -> None:
    user = VERIFIER.verify(sign(claims(exp=int(time.time()) - 2)))
    assert (user.id, user.email, user.name, user.jti) == ("u1", "a@example.com", "Ann", "j1")


def test_a_token_not_yet_valid_is_refused() -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.verify(sign(claims(nbf=int(time.time()) + 120)))


def test_a_token_issued_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.verify(sign(claims(iat=int(time.time()) + 120)))


@pytest.mark.parametrize("claim,value", [("iss", "someone-else"), ("aud", "another-app")])
def test_a_wrong_issuer_or_audience_is_refused(claim: str, value: str) -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.verify(sign(claims(**{claim: value})))


@pytest.mark.parametrize("missing", ["jti", "sub", "exp", "iat", "email", "name", "typ"])
def test_a_token_missing_a_required_claim_is_refused(missing: str) -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.verify(sign(claims(**{missing: None})))


def test_a_refresh_typed_token_is_not_an_access_token() -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.verify(sign(claims(typ="refresh")))


def test_a_tampered_payload_is_refused() -> None:
    header, _, signature = sign(claims()).split(".")
    forged = _b64(claims(sub="someone-else"))
    with pytest.raises(InvalidToken):
        VERIFIER.verify(f"{header}.{forged}.{signature}")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x", "x" * 5000])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(InvalidToken):
        VERIFIER.verify(garbage)


def test_access_token_lifetime_is_capped_at_fifteen_minutes() -> None:
    from auth_service.config import from_env

    assert from_env({"ACCESS_TOKEN_TTL_SECONDS": "86400"}).access_token_ttl == 900
