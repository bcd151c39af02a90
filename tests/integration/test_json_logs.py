"""Every line a BookStore process writes is JSON: migrations, a worker from start to SIGTERM,
and a process that dies of an uncaught exception (gunicorn and the apps:
tests/integration/test_metrics_multiprocess.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.support.eventkit import wait_until
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def json_lines(output: str) -> list[dict]:
    lines = [line for line in output.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # the first plain-text line fails the test


def test_a_migration_and_a_worker_write_only_json_lines(database_factory, rabbitmq_url, topology):  # type: ignore[no-untyped-def]
    port = free_port()
    env = {
        **os.environ,
        "CATALOG_DATABASE_URL": database_factory("jsonlogs"),
        "RABBITMQ_URL": rabbitmq_url,
        "EVENT_PREFIX": topology.prefix,
        "WORKER_HEALTH_PORT": str(port),
    }
    migrated = subprocess.run(
        [sys.executable, "-m", "catalog_service.migrate"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr
    entries = json_lines(migrated.stdout + migrated.stderr)
    assert any(e["logger"].startswith("alembic") for e in entries)

    worker = subprocess.Popen(
        [sys.executable, "-m", "catalog_service.worker"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert wait_until(lambda: _ready(port), timeout=60)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    entries = json_lines(output)
    assert {e["service"] for e in entries} == {"catalog_worker"}
    assert any("worker stopped" in e["message"] for e in entries)


def test_an_uncaught_exception_and_a_warning_are_json_lines() -> None:
    code = (
        "import warnings; from shared.logs import configure_logging; "
        "configure_logging('probe'); warnings.warn('careful'); raise RuntimeError('boom')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    entries = json_lines(result.stdout + result.stderr)
    assert any("careful" in e["message"] for e in entries)
    [crash] = [e for e in entries if e["logger"] == "bookstore.crash"]
    assert "RuntimeError: boom" in crash["exception"]


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False
