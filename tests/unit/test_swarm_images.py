"""The one Dockerfile (a SERVICE build argument per image), boot scripts and build context."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("auth_service", "catalog_service", "order_service", "api_gateway", "web_frontend")
WITH_WORKER = {"auth_service", "catalog_service", "order_service"}


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of the Dockerfile, continuation lines joined, no comments."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for parts in (line.strip().split(None, 1) for line in joined.splitlines() if line.strip())
    ]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


def test_one_dockerfile_builds_every_service_and_no_service_has_its_own() -> None:
    assert not list(ROOT.glob("*/Dockerfile"))
    final = final_stage()
    assert ("ARG", "SERVICE") in final
    copies = [a for op, a in final if op == "COPY" and "--from" not in a]
    assert "${SERVICE}/ ${SERVICE}/" in copies
    build = (ROOT / "swarm/build-images.sh").read_text()
    for package in PACKAGES:
        assert f":{package}" in build, package


def test_the_image_is_built_in_stages_from_a_pinned_slim_python() -> None:
    steps = instructions()
    args = dict(a.split("=", 1) for op, a in steps if op == "ARG" and "=" in a)
    bases = [a.split()[0] for op, a in steps if op == "FROM"]
    assert len(bases) >= 2
    for base in bases:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base)
        assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", image), image
        assert int(image.split(".")[2].split("-")[0]) >= 13, f"{image}: not a current patch release"
    assert any(op == "COPY" and "--from=build" in a for op, a in final_stage())


def test_the_image_installs_the_locked_dependency_set() -> None:
    runs = " ".join(a for op, a in instructions() if op == "RUN")
    assert "--require-hashes" in runs and "-r /tmp/runtime.txt" in runs
    copies = " ".join(a for op, a in instructions() if op == "COPY")
    assert "requirements/runtime.txt" in copies and "dev.txt" not in copies


def test_the_image_runs_as_a_non_root_user_with_a_health_check() -> None:
    final = final_stage()
    users = [a for op, a in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(op == "HEALTHCHECK" and "healthcheck.py" in a for op, a in final)


@pytest.mark.parametrize("package", PACKAGES)
def test_the_image_starts_through_the_boot_script_of_its_service(package: str) -> None:
    final = dict(final_stage())
    assert final["ENTRYPOINT"] == '["/app/swarm/docker/entrypoint.sh"]'
    assert final["CMD"] == '["api"]'
    entrypoint = (ROOT / "swarm/docker/entrypoint.sh").read_text()
    assert 'exec "/app/${SERVICE:?' in entrypoint
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
    for op, args in instructions():
        if op == "COPY" and "--from" not in args:
            for source in args.split()[:-1]:
                for package in PACKAGES:
                    path = source.replace("${SERVICE}", package).rstrip("/")
                    assert any(path == a or path.startswith(f"{a}/") for a in allowed), source
