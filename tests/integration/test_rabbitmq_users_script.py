"""scripts/rabbitmq_users.py gives a broker outside the stack the stack's per-service users."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pika
import pytest

ROOT = Path(__file__).resolve().parents[2]

# One user per entry of the permissions file (the services and the gateway).
USERS = [entry["user"] for entry in json.loads((ROOT / "rabbitmq/permissions.json").read_text())]


def test_the_script_creates_each_service_user_and_prints_its_url(
    rabbitmq_url: str, tmp_path: Path
) -> None:
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None or urlsplit(rabbitmq_url).hostname not in ("127.0.0.1", "localhost"):
        pytest.skip("NOT CHECKED: scripts/rabbitmq_users.py (no local rabbitmqctl node)")
    secrets = tmp_path / "secrets"
    subprocess.run(
        [str(ROOT / "swarm/create-secrets.sh"), "--dir", str(secrets), "--files-only"],
        check=True,
        capture_output=True,
    )
    prefix = f"bt_{uuid.uuid4().hex[:8]}_"
    command = [sys.executable, "-m", "scripts.rabbitmq_users", "--secrets", str(secrets)]
    command += ["--prefix", prefix, "--host", urlsplit(rabbitmq_url).netloc.split("@")[-1]]
    try:
        for _ in range(2):  # a second run only resets the passwords: safe to repeat
            result = subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ)
            )
            assert result.returncode == 0, result.stderr
        urls = dict(line.split(": RABBITMQ_URL=") for line in result.stdout.splitlines())
        assert set(urls) == set(USERS)
        for url in urls.values():
            pika.BlockingConnection(pika.URLParameters(url)).close()
    finally:
        for user in USERS:
            subprocess.run([rabbitmqctl, "delete_user", f"{prefix}{user}"], capture_output=True)
