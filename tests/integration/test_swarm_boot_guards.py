"""boot.sh before migrating: it refuses an empty database once the deployment was initialised
(ALLOW_EMPTY_DATABASE=false, the stack's setting), and as PID 1 it stops on SIGTERM while a
migration waits, instead of ignoring the signal until Swarm kills the task mid-DDL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BOOT = str(ROOT / "catalog_service/boot.sh")


def boot_env(url: str, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "PYTHON": sys.executable,
        "CATALOG_DATABASE_URL": url,
        **extra,
    }


def tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_boot_refuses_to_migrate_an_empty_database_once_initialised(
    database_factory: Callable[[str], str],
) -> None:
    url = database_factory(f"guard_{uuid.uuid4().hex[:6]}")
    env = boot_env(url, ALLOW_EMPTY_DATABASE="false")
    refused = subprocess.run(
        [BOOT, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 64
    assert "database is empty" in refused.stderr and "Moving the data node" in refused.stderr
    assert tables(url) == []  # nothing was created

    first = boot_env(url, ALLOW_EMPTY_DATABASE="true")  # the operator's first deployment
    subprocess.run([BOOT, "migrate"], env=first, capture_output=True, check=True, timeout=120)
    assert "alembic_version" in tables(url)
    again = subprocess.run([BOOT, "migrate"], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr  # an initialised database migrates as usual


def test_boot_refuses_a_database_that_does_not_exist_either(
    database_factory: Callable[[str], str],
) -> None:
    existing = make_url(database_factory(f"guard_{uuid.uuid4().hex[:6]}"))
    missing = existing.set(database=f"bt_missing_{uuid.uuid4().hex[:8]}")
    url = missing.render_as_string(hide_password=False)
    env = boot_env(url, ALLOW_EMPTY_DATABASE="false")
    refused = subprocess.run(
        [BOOT, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 64 and "database is empty" in refused.stderr
    server = create_engine(existing)
    with server.connect() as conn:
        found = conn.execute(text("SHOW DATABASES LIKE :name"), {"name": missing.database}).all()
    server.dispose()
    assert found == []  # not created behind the operator's back


def test_an_unreachable_database_is_retried_not_mistaken_for_an_empty_one() -> None:
    env = boot_env(
        "mysql+pymysql://catalog@127.0.0.1:1/bookstore_catalog",
        ALLOW_EMPTY_DATABASE="false",
        BOOT_MIGRATE_TIMEOUT="1",
    )
    result = subprocess.run([BOOT, "migrate"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 64
    assert "did not succeed in time" in result.stderr and "is empty" not in result.stderr


def child_of(pid: int) -> int:
    """The one child of `pid` (unshare's forked PID 1), as seen from this namespace."""
    deadline = time.monotonic() + 30
    while True:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
        assert time.monotonic() < deadline, "unshare never started its child"
        time.sleep(0.1)


def waiting_for_the_lock(admin: object, database: str) -> int:
    with admin.connect() as conn:  # type: ignore[attr-defined]
        return int(
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                    "WHERE DB = :db AND INFO LIKE 'SELECT GET_LOCK(%'"
                ),
                {"db": database},
            ).scalar()
        )


@pytest.mark.skipif(shutil.which("unshare") is None, reason="NOT CHECKED: unshare is missing")
def test_boot_as_pid_1_stops_on_sigterm_while_a_migration_waits(
    database_factory: Callable[[str], str],
) -> None:
    url = database_factory(f"guard_{uuid.uuid4().hex[:6]}")
    database = str(make_url(url).database)
    admin = create_engine(url)
    holder = admin.connect()
    holder.execute(text("SELECT GET_LOCK(CONCAT(DATABASE(), '.migrate'), 0)"))
    # A new PID namespace makes boot.sh PID 1, as in a container: the kernel then delivers only
    # the signals PID 1 handles (a plain `sh` handles none, and would sit out the grace period).
    proc = subprocess.Popen(
        ["unshare", "--pid", "--fork", "--kill-child", BOOT, "migrate"],
        env=boot_env(url),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        boot_pid = child_of(proc.pid)
        deadline = time.monotonic() + 60
        while waiting_for_the_lock(admin, database) == 0:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the migration never waited for the lock"
            time.sleep(0.2)
        os.kill(boot_pid, signal.SIGTERM)
        code = proc.wait(timeout=60)  # a bound for a broken run, not a measurement
        assert code == 143, proc.stderr.read() if proc.stderr else ""
        assert "stopped during migrations" in (proc.stderr.read() if proc.stderr else "")
        deadline = time.monotonic() + 30
        while waiting_for_the_lock(admin, database):  # the migration's connection is gone too
            assert time.monotonic() < deadline, "the migration outlived boot.sh"
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        holder.close()
        admin.dispose()
