"""Generate a local Ed25519 JWT key pair if none exists (Swarm uses Docker secrets instead)."""

from __future__ import annotations

import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def ensure_key_pair(private_path: Path, public_path: Path) -> bool:
    """Write a new pair unless both files exist; True if one was written."""
    if private_path.exists() and public_path.exists():
        return False
    private_path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return True


if __name__ == "__main__":
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "var/keys")
    if ensure_key_pair(directory / "jwt_private.pem", directory / "jwt_public.pem"):
        print(f"generated a JWT key pair in {directory}/")
