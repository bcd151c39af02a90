"""The dependency locks and the audit step: hashes everywhere, runtime apart from tooling,
upper bounds in the inputs, and an audit that fails on a known vulnerability or says it could
not run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from scripts import audit

ROOT = Path(__file__).resolve().parents[2]
REQ = ROOT / "requirements"
DEV_ONLY = {"pytest", "playwright", "locust", "mypy", "schemathesis", "ruff", "pip-audit"}


def pins(lock: Path) -> dict[str, tuple[str, list[str]]]:
    """{name: (version, hashes)} of a pip-compile lock (continuation lines joined)."""
    text = lock.read_text().replace("\\\n", " ")
    found = {}
    for line in text.splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)\s*(.*)$", line):
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", match[3])
            found[match[1].lower()] = (match[2], hashes)
    return found


def inputs(name: str) -> list[Requirement]:
    lines = (REQ / name).read_text().splitlines()
    return [Requirement(line.split("#")[0]) for line in lines if line and line[0].isalpha()]


@pytest.mark.parametrize("lock", ["runtime.txt", "dev.txt"])
def test_every_locked_package_is_pinned_with_hashes(lock: str) -> None:
    locked = pins(REQ / lock)
    assert locked
    for name, (version, hashes) in locked.items():
        assert hashes, f"{lock}: {name}=={version} has no hash"


@pytest.mark.parametrize("source", ["runtime.in", "dev.in"])
def test_every_direct_requirement_has_an_upper_bound(source: str) -> None:
    for requirement in inputs(source):
        assert any(s.operator in ("<", "<=", "~=", "==") for s in requirement.specifier), (
            f"{source}: {requirement} has no upper bound"
        )


def test_the_runtime_lock_holds_no_test_or_tooling_package() -> None:
    assert not DEV_ONLY & set(pins(REQ / "runtime.txt"))
    assert DEV_ONLY <= set(pins(REQ / "dev.txt"))


def test_the_two_locks_agree_on_every_package_they_share() -> None:
    runtime, dev = pins(REQ / "runtime.txt"), pins(REQ / "dev.txt")
    for name in set(runtime) & set(dev):
        assert runtime[name] == dev[name], name


def test_each_lock_is_compiled_from_its_input_file() -> None:
    for lock, source in (("runtime.txt", "runtime.in"), ("dev.txt", "dev.in")):
        header = (REQ / lock).read_text()[:600]
        assert "pip-compile" in header and "--generate-hashes" in header, lock
        assert f"requirements/{source}" in header, lock
        direct = {r.name.lower().replace("_", "-") for r in inputs(source)}
        assert direct <= set(pins(REQ / lock)), f"{lock} misses a requirement of {source}"


def test_an_audit_that_cannot_reach_a_vulnerability_service_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(audit, "reachable_service", lambda: None)
    monkeypatch.delenv("AUDIT_REQUIRED", raising=False)
    assert audit.main([]) == 0
    assert "SKIPPED" in capsys.readouterr().err
    monkeypatch.setenv("AUDIT_REQUIRED", "1")
    assert audit.main([]) == 1
