"""Access-token verification with the public key only (gateway and services alike)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar, cast

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import current_app, g, request

from shared.web.errors import ApiError
from shared.web.revocations import RevocationsUnavailable

ALGORITHM = "EdDSA"  # pinned: anything else, "none" and HS256 included, is refused
REQUIRED_CLAIMS = ["sub", "email", "name", "jti", "iat", "exp", "iss", "aud", "typ"]
F = TypeVar("F", bound=Callable[..., Any])


class InvalidToken(Exception):
    """The token is missing, malformed, expired, tampered or not ours."""


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    jti: str
    exp: int


@dataclass(frozen=True)
class TokenVerifier:
    public_key: str
    issuer: str
    audience: str
    leeway: int = 5
    _key: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Parsed once: PyJWT would parse the PEM text again on every request otherwise.
        object.__setattr__(self, "_key", load_pem_public_key(self.public_key.encode()))

    def verify(self, token: str) -> User:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        if claims.get("typ") != "access":
            raise InvalidToken("not an access token")
        return User(
            id=str(claims["sub"]),
            email=str(claims["email"]),
            name=str(claims["name"]),
            jti=str(claims["jti"]),
            exp=int(claims["exp"]),
        )


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_user() -> User:
    """Verify the forwarded token here too (defence in depth); 401 when absent, invalid or
    revoked, 503 when revocations cannot be checked (shared/web/revocations.py)."""
    if "user" not in g:
        token = bearer_token()
        if token is None:
            raise ApiError(401, "Sign in first: a Bearer token is required.")
        verifier = cast(TokenVerifier, current_app.extensions["token_verifier"])
        try:
            user = verifier.verify(token)
        except InvalidToken:
            raise ApiError(401, "The access token is invalid or expired.") from None
        if _revoked(user.jti):
            raise ApiError(401, "The access token is invalid or expired.")
        g.user = user
    return cast(User, g.user)


def optional_user() -> User | None:
    """The signed-in user of a public route, or None for a guest. A bad, expired or revoked
    token (or one whose revocation cannot be checked now) makes a guest, as the gateway
    treats it on public routes: a public answer never fails for a token's sake."""
    if bearer_token() is None:
        return None
    try:
        return current_user()
    except ApiError:
        return None


def _revoked(jti: str) -> bool:
    revocations = current_app.extensions.get("revocations")
    if revocations is None:  # auth_service checks its own table; tools and unit tests
        return False
    try:
        return bool(revocations.is_revoked(jti))
    except RevocationsUnavailable:
        raise ApiError(
            503,
            "Revoked sign-ins cannot be checked right now; retry shortly.",
            headers={"Retry-After": "1"},
        ) from None


def login_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current_user()
        return view(*args, **kwargs)

    return cast(F, wrapper)
