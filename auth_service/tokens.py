"""Minting access tokens: EdDSA with the private key, the claims shared/web/tokens.py requires."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt

from shared.web.tokens import ALGORITHM


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_in: int


@dataclass(frozen=True)
class TokenIssuer:
    private_key: str
    issuer: str
    audience: str
    ttl: int

    @classmethod
    def from_file(cls, path: str, *, issuer: str, audience: str, ttl: int) -> TokenIssuer:
        """Read the private key from a file (a Docker secret in Swarm)."""
        return cls(Path(path).read_text(), issuer, audience, ttl)

    def issue(self, *, user_id: str, email: str, name: str, now: int | None = None) -> IssuedToken:
        """A signed access token for one user, valid for `ttl` seconds from now."""
        issued_at = int(time.time()) if now is None else now
        jti = str(uuid.uuid4())
        claims = {
            "sub": user_id,
            "email": email,
            "name": name,
            "jti": jti,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + self.ttl,
            "iss": self.issuer,
            "aud": self.audience,
            "typ": "access",
        }
        token = jwt.encode(claims, self.private_key, algorithm=ALGORITHM)
        return IssuedToken(token=token, jti=jti, expires_in=self.ttl)
