"""swarm/create-secrets.sh makes every secret the stack mounts, usable as is, and keeps them."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "swarm/create-secrets.sh"


def create(directory: Path, *args: str) -> str:
    result = subprocess.run(
        [str(SCRIPT), "--dir", str(directory), "--files-only", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def secrets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("secrets") / "secrets"
    create(directory, "--domain", "shop.example.com")
    return directory


def stack_secret_names() -> set[str]:
    text = (ROOT / "swarm/stack.yml").read_text()
    return set(re.findall(r"^  (\w+): \{external: true", text, re.M))


def test_every_secret_the_stack_mounts_is_created_in_a_private_directory(secrets: Path) -> None:
    assert {p.name for p in secrets.iterdir()} == stack_secret_names()
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    for path in secrets.iterdir():  # readable by the containers' users, as Docker secrets are
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name


def test_passwords_are_long_random_and_distinct(secrets: Path) -> None:
    values = [p.read_text() for p in secrets.glob("*_password")]
    values += [(secrets / n).read_text() for n in ("rabbitmq_erlang_cookie", "frontend_secret_key")]
    assert all(re.fullmatch(r"[0-9a-f]{64}", v) for v in values)
    assert len(set(values)) == len(values)


def test_the_jwt_key_pair_signs_tokens_the_public_key_verifies(secrets: Path) -> None:
    private = (secrets / "jwt_private_key").read_bytes()
    token = jwt.encode({"sub": "u1"}, private, algorithm="EdDSA")
    claims = jwt.decode(token, (secrets / "jwt_public_key").read_bytes(), algorithms=["EdDSA"])
    assert claims == {"sub": "u1"}


def test_the_certificate_names_the_domain_and_matches_its_key(secrets: Path) -> None:
    certificate = x509.load_pem_x509_certificate((secrets / "edge_tls_cert").read_bytes())
    key = serialization.load_pem_private_key((secrets / "edge_tls_key").read_bytes(), None)
    names = certificate.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    assert names.value.get_values_for_type(x509.DNSName) == ["shop.example.com"]
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.PEM
    assert certificate.public_key().public_bytes(encoding, public) == key.public_key().public_bytes(
        encoding, public
    )


def test_running_it_again_keeps_every_existing_secret(secrets: Path) -> None:
    before = {p.name: p.read_bytes() for p in secrets.iterdir()}
    output = create(secrets)
    assert "new" not in output
    assert {p.name: p.read_bytes() for p in secrets.iterdir()} == before
