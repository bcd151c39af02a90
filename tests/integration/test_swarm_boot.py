"""The images' boot scripts, run here as the containers run them: secrets from files, migrations
against a real MariaDB, gunicorn and the worker started, health checked, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from scripts.keys import ensure_key_pair
from shared.events.topology import Topology
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
HEALTHCHECK = ROOT / "swarm/docker/healthcheck.py"
AWKWARD_PASSWORD = "p@ss/w:rd%?#&" + uuid.uuid4().hex[:8]


def boot(package: str, *args: str, env: dict[str, str], **kwargs: object) -> Any:
    """Run <package>/boot.sh with only `env` (plus PATH and the venv's python)."""
    full = {"PATH": os.environ["PATH"], "PYTHON": sys.executable, **env}
    return subprocess.run(
        [str(ROOT / package / "boot.sh"), *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def healthcheck(api_port: int, worker_port: int) -> int:
    env = {**os.environ, "API_PORT": str(api_port), "WORKER_HEALTH_PORT": str(worker_port)}
    return subprocess.run([sys.executable, str(HEALTHCHECK)], env=env, timeout=10).returncode


@pytest.fixture
def secret_file(tmp_path: Path) -> Callable[[str], str]:
    def write(value: str) -> str:
        path = tmp_path / f"secret-{uuid.uuid4().hex[:6]}"
        path.write_text(value + "\n")  # `echo` adds a newline; it is not part of the secret
        return str(path)

    return write


@pytest.fixture
def database_user(database_factory: Callable[[str], str]) -> Iterator[tuple[str, str]]:
    """A fresh database and a MariaDB user with an awkward password, like the stack's."""
    url = make_url(database_factory(f"boot_{uuid.uuid4().hex[:6]}"))
    user = f"bt_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY :pw"), {"pw": AWKWARD_PASSWORD})
        conn.execute(text(f"GRANT ALL ON `{url.database}`.* TO '{user}'@'%'"))
    without_password = url.set(username=user, password=None).render_as_string()
    yield without_password, str(url.database)
    with admin.begin() as conn:
        conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
    admin.dispose()


def test_file_secrets_become_the_variables_the_services_read(
    secret_file: Callable[[str], str],
) -> None:
    env = {
        "RABBITMQ_URL_FILE": secret_file("amqp://app:pw@broker:5672/%2F"),
        "FRONTEND_SECRET_KEY_FILE": secret_file("k" * 64),
    }
    result = boot("web_frontend", "env", env=env, check=True)
    variables = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert variables["RABBITMQ_URL"] == "amqp://app:pw@broker:5672/%2F"
    assert variables["FRONTEND_SECRET_KEY"] == "k" * 64
    assert not {"RABBITMQ_URL_FILE", "FRONTEND_SECRET_KEY_FILE"} & set(variables)


def test_a_password_file_completes_a_url_percent_encoded(secret_file: Callable[[str], str]) -> None:
    env = {
        "ORDER_DATABASE_URL": "mysql+pymysql://orders@order-db:3306/bookstore_orders",
        "ORDER_DATABASE_PASSWORD_FILE": secret_file(AWKWARD_PASSWORD),
    }
    result = boot("order_service", "printenv", "ORDER_DATABASE_URL", env=env, check=True)
    url = make_url(result.stdout.strip())
    assert (url.username, url.password, url.host) == ("orders", AWKWARD_PASSWORD, "order-db")


def test_a_whole_url_secret_wins_over_the_stack_url_and_its_password_file(
    secret_file: Callable[[str], str],
) -> None:
    managed = "mysql+pymysql://catalog:pw@db.example.com:3306/bookstore_catalog?ssl_ca=/ca.pem"
    env = {
        "CATALOG_DATABASE_URL": "mysql+pymysql://catalog@catalog-db:3306/bookstore_catalog",
        "CATALOG_DATABASE_PASSWORD_FILE": secret_file("stack-password"),
        "CATALOG_DATABASE_URL_FILE": secret_file(managed),
    }
    result = boot("catalog_service", "printenv", "CATALOG_DATABASE_URL", env=env, check=True)
    assert result.stdout.strip() == managed
    assert "plain value is ignored" in result.stderr


@pytest.mark.parametrize(
    ("package", "args", "env"),
    [
        ("auth_service", ["true"], {"RABBITMQ_URL_FILE": "/no/such/secret"}),
        (
            "auth_service",
            ["true"],
            {"RABBITMQ_URL": "amqp://a:b@c/", "RABBITMQ_PASSWORD_FILE": "/x"},
        ),
        ("api_gateway", ["worker"], {}),
        ("web_frontend", ["migrate"], {}),
    ],
)
def test_boot_refuses_a_contradictory_or_impossible_start(
    package: str, args: list[str], env: dict[str, str]
) -> None:
    result = boot(package, *args, env=env)
    assert result.returncode == 64 and result.stderr.startswith("boot: ")


def test_migrate_runs_the_migrations_with_the_password_from_a_secret(
    database_user: tuple[str, str], secret_file: Callable[[str], str], servers: dict[str, str]
) -> None:
    url, database = database_user
    env = {"AUTH_DATABASE_URL": url, "AUTH_DATABASE_PASSWORD_FILE": secret_file(AWKWARD_PASSWORD)}
    result = boot("auth_service", "migrate", env=env)
    assert result.returncode == 0, result.stderr
    engine = create_engine(make_url(servers["mysql"]).set(database=database))
    assert "alembic_version" in inspect(engine).get_table_names()
    engine.dispose()


def start(package: str, role: str, env: dict[str, str]) -> subprocess.Popen[str]:
    full = {"PATH": os.environ["PATH"], "PYTHON": sys.executable, **env}
    return subprocess.Popen(
        [str(ROOT / package / "boot.sh"), role],
        env=full,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_until_healthy(proc: subprocess.Popen[str], api: int, worker: int) -> None:
    deadline = time.monotonic() + 90
    while healthcheck(api, worker) != 0:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "never healthy"
        time.sleep(0.5)


def stop(proc: subprocess.Popen[str]) -> int:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        return proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise


@pytest.mark.slow
@pytest.mark.parametrize("role", ["api", "worker"])
def test_each_role_migrates_starts_is_healthy_and_stops_on_sigterm(
    role: str,
    database_user: tuple[str, str],
    secret_file: Callable[[str], str],
    rabbitmq_url: str,
    topology: Topology,
    tmp_path: Path,
) -> None:
    url, _ = database_user
    ensure_key_pair(tmp_path / "private.pem", tmp_path / "public.pem")
    api, worker = free_port(), free_port()
    env = {
        "CATALOG_DATABASE_URL": url,
        "CATALOG_DATABASE_PASSWORD_FILE": secret_file(AWKWARD_PASSWORD),
        "RABBITMQ_URL_FILE": secret_file(rabbitmq_url),
        "EVENT_PREFIX": topology.prefix,
        "JWT_PUBLIC_KEY_FILE": str(tmp_path / "public.pem"),
        "COVERS_DIR": str(tmp_path / "covers"),
        "API_PORT": str(api),
        "WORKER_HEALTH_PORT": str(worker),
        "WEB_CONCURRENCY": "1",
    }
    proc = start("catalog_service", role, env)
    try:
        wait_until_healthy(proc, api, worker)
    finally:
        code = stop(proc)
    assert code == 0
    assert healthcheck(api, worker) == 1
