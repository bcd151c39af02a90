"""Token minting for tests: a throwaway Ed25519 key pair that signs access tokens as auth does.

The pair lives in memory (unit tests stay free of I/O); `TokenMinter.create(directory)` also
writes the PEM files for processes that read JWT_PUBLIC_KEY_FILE / JWT_PRIVATE_KEY_FILE.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.web.tokens import TokenVerifier

ISSUER, AUDIENCE = "bookstore-auth", "bookstore"


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str

    @classmethod
    def generate(cls) -> KeyPair:
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(private.decode(), public.decode())

    def write(self, directory: Path) -> tuple[Path, Path]:
        """(private, public) PEM files in `directory`, named as `make run` names them."""
        private, public = directory / "jwt_private.pem", directory / "jwt_public.pem"
        private.write_text(self.private_pem)
        private.chmod(0o600)
        public.write_text(self.public_pem)
        return private, public


def access_claims(
    user_id: str | None = None, name: str = "Reader", **overrides: object
) -> dict[str, object]:
    """The claims auth_service puts in an access token; an override of None drops that claim."""
    moment = int(time.time())
    claims: dict[str, object] = {
        "sub": user_id or str(uuid.uuid4()),
        "email": f"{name.lower().replace(' ', '.')}@example.com",
        "name": name,
        "jti": uuid.uuid4().hex,
        "iat": moment,
        "exp": moment + 900,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "typ": "access",
        **overrides,
    }
    return {key: value for key, value in claims.items() if value is not None}


@dataclass
class TokenMinter:
    keys: KeyPair
    public_file: Path | None = None

    @classmethod
    def create(cls, directory: Path | None = None) -> TokenMinter:
        """A fresh key pair; with a directory, its PEM files are written there too."""
        keys = KeyPair.generate()
        return cls(keys, keys.write(directory)[1] if directory is not None else None)

    @property
    def private_pem(self) -> str:
        return self.keys.private_pem

    def token(self, user_id: str | None = None, name: str = "Reader", **claims: object) -> str:
        """An access token for `user_id` (a fresh id when None)."""
        return self.sign(access_claims(user_id, name, **claims))

    def sign(self, claims: dict[str, object]) -> str:
        return jwt.encode(claims, self.keys.private_pem, algorithm="EdDSA")

    def verifier(self) -> TokenVerifier:
        """The verifier every service builds from the public key file, built in memory."""
        return TokenVerifier(public_key=self.keys.public_pem, issuer=ISSUER, audience=AUDIENCE)
