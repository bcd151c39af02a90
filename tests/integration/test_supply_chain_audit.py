"""`make lint`'s audit fails on a lock that pins a release with a published vulnerability, when
a vulnerability service answers from this machine (it is skipped, loudly, when none does)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts import audit

ROOT = Path(__file__).resolve().parents[2]


def test_the_audit_fails_on_a_known_vulnerable_pin(tmp_path: Path) -> None:
    service = audit.reachable_service()
    if service is None:
        pytest.skip("no vulnerability service reachable from this machine: the audit is skipped")
    lock = tmp_path / "vulnerable.txt"
    lock.write_text("jinja2==2.10 --hash=sha256:" + "0" * 64 + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "scripts.audit", str(lock)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0, result.stdout + result.stderr
    assert "jinja2" in result.stdout.lower() + result.stderr.lower()
