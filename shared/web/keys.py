"""Loading the token verifier's public key from a file (a Docker secret in Swarm)."""

from __future__ import annotations

from pathlib import Path

from shared.web.tokens import TokenVerifier


def load_verifier(public_key_file: str, *, issuer: str, audience: str) -> TokenVerifier:
    return TokenVerifier(
        public_key=Path(public_key_file).read_text(), issuer=issuer, audience=audience
    )
