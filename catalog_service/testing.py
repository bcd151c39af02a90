"""Test support: a throwaway Ed25519 key pair that mints access tokens like auth_service does."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from catalog_service.config import Config

ISSUER, AUDIENCE = "bookstore-auth", "bookstore"


@dataclass
class TokenMinter:
    private_pem: bytes
    public_file: Path

    @classmethod
    def create(cls, directory: Path) -> TokenMinter:
        key = Ed25519PrivateKey.generate()
        public_file = directory / "jwt_public.pem"
        public_file.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(private, public_file)

    def token(self, user_id: str | None = None, name: str = "Reader", **claims: object) -> str:
        """An access token for `user_id` (a fresh id when None)."""
        moment = int(time.time())
        payload = {
            "sub": user_id or str(uuid.uuid4()),
            "email": f"{name.lower().replace(' ', '.')}@example.com",
            "name": name,
            "jti": uuid.uuid4().hex,
            "iat": moment,
            "exp": moment + 900,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "typ": "access",
            **claims,
        }
        return jwt.encode(payload, self.private_pem, algorithm="EdDSA")


def config_for_tests(
    *, database_url: str, rabbitmq_url: str, prefix: str, public_key_file: Path, covers_dir: Path
) -> Config:
    return Config(
        database_url=database_url,
        rabbitmq_url=rabbitmq_url,
        event_prefix=prefix,
        jwt_public_key_file=str(public_key_file),
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_level="WARNING",
        worker_health_port=0,
        covers_dir=str(covers_dir),
    )
