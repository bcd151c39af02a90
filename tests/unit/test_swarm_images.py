"""Every component's Dockerfile, boot script and the build context follow the same rules."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("auth_service", "catalog_service", "order_service", "api_gateway", "web_frontend")
WITH_WORKER = {"auth_service", "catalog_service", "order_service"}


def instructions(package: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / package / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for parts in (line.strip().split(None, 1) for line in joined.splitlines() if line.strip())
    ]


def final_stage(package: str) -> list[tuple[str, str]]:
    steps = instructions(package)
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


@pytest.mark.parametrize("package", PACKAGES)
def test_the_image_is_built_in_stages_from_a_pinned_slim_python(package: str) -> None:
    steps = instructions(package)
    args = dict(a.split("=", 1) for op, a in steps if op == "ARG" and "=" in a)
    bases = [a.split()[0] for op, a in steps if op == "FROM"]
    assert len(bases) >= 2
    for base in bases:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base)
        assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", image), image
    assert any(op == "COPY" and "--from=build" in a for op, a in final_stage(package))


@pytest.mark.parametrize("package", PACKAGES)
def test_the_image_installs_the_locked_dependency_set(package: str) -> None:
    runs = " ".join(a for op, a in instructions(package) if op == "RUN")
    assert "-c /tmp/requirements.lock" in runs


@pytest.mark.parametrize("package", PACKAGES)
def test_the_image_runs_as_a_non_root_user_with_a_health_check(package: str) -> None:
    final = final_stage(package)
    users = [a for op, a in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(op == "HEALTHCHECK" and "healthcheck.py" in a for op, a in final)


@pytest.mark.parametrize("package", PACKAGES)
def test_the_image_starts_through_its_boot_script(package: str) -> None:
    final = dict(final_stage(package))
    assert final["ENTRYPOINT"] == f'["/app/{package}/boot.sh"]'
    assert final["CMD"] == '["api"]'
    boot = ROOT / package / "boot.sh"
    assert os.access(boot, os.X_OK)
    text = boot.read_text()
    assert f"PACKAGE={package}" in text
    assert f"HAS_WORKER={'true' if package in WITH_WORKER else 'false'}" in text


def test_gunicorn_takes_workers_threads_and_graceful_timeout_from_the_environment() -> None:
    conf = (ROOT / "gunicorn.conf.py").read_text()
    for variable in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_GRACEFUL_TIMEOUT"):
        assert variable in conf
    assert "gunicorn.conf.py" in (ROOT / "swarm/docker/boot.lib.sh").read_text()


def test_the_build_context_lets_in_only_what_the_images_copy() -> None:
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "**"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    assert not allowed & {"var", ".venv", ".git", "tests", "docs"}
    for package in PACKAGES:
        for op, args in instructions(package):
            if op == "COPY" and "--from" not in args:
                for source in args.split()[:-1]:
                    path = source.rstrip("/")
                    assert any(path == a or path.startswith(f"{a}/") for a in allowed), source
