"""Fixtures every tier shares: a run id, databases and broker names unique to this test run.

When no URL is given and a Docker engine answers, MariaDB and RabbitMQ come from testcontainers;
otherwise the local servers (127.0.0.1:3306, 127.0.0.1:5672) are used.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.events.topology import Topology
from tests.support.namespace import RUN_ID, delete_topology
from tests.support.system import System, running_system


def _docker_engine_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, str]]:
    """Base URLs of MariaDB (server, no database) and RabbitMQ for this run."""
    mysql = os.environ.get("TEST_MYSQL_URL")
    amqp = os.environ.get("TEST_RABBITMQ_URL")
    if mysql is None and amqp is None and _docker_engine_answers():
        from testcontainers.mysql import MySqlContainer
        from testcontainers.rabbitmq import RabbitMqContainer

        with (
            MySqlContainer("mariadb:10.11", username="root", password="test") as db,
            RabbitMqContainer("rabbitmq:3.13-management") as mq,
        ):
            host, port = db.get_container_host_ip(), db.get_exposed_port(3306)
            yield {
                "mysql": f"mysql+pymysql://root:test@{host}:{port}/",
                "amqp": f"amqp://guest:guest@{mq.get_container_host_ip()}:"
                f"{mq.get_exposed_port(5672)}/%2F",
            }
        return
    yield {
        "mysql": mysql or "mysql+pymysql://root@127.0.0.1:3306/",
        "amqp": amqp or "amqp://guest:guest@127.0.0.1:5672/%2F",
    }


@pytest.fixture(scope="session")
def rabbitmq_url(servers: dict[str, str]) -> str:
    return servers["amqp"]


@pytest.fixture(scope="session")
def run_id() -> str:
    return RUN_ID


@pytest.fixture(scope="session")
def database_factory(servers: dict[str, str]) -> Iterator[object]:
    """make(name) -> URL of a fresh database `bt_<run>_<name>`; all dropped at the end."""
    created: list[str] = []
    server = create_engine(servers["mysql"])

    def make(name: str) -> str:
        database = f"bt_{RUN_ID}_{name}"
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{database}`"))
            conn.execute(
                text(
                    f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
            )
        created.append(database)
        return str(
            make_url(servers["mysql"]).set(database=database).render_as_string(hide_password=False)
        )

    yield make
    with server.connect() as conn:
        for database in created:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{database}`"))
    server.dispose()


@pytest.fixture
def topology(request: pytest.FixtureRequest, rabbitmq_url: str) -> Iterator[Topology]:
    """A broker namespace for one test; its exchanges and queues are deleted afterwards."""
    prefix = f"{RUN_ID}.{uuid.uuid4().hex[:6]}."
    yield Topology(prefix)
    delete_topology(
        rabbitmq_url, prefix, services=("catalog", "order", "order.books", "test", "test.lane")
    )


@pytest.fixture(scope="session")
def system(
    servers: dict[str, str],
    database_factory: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[System]:
    """The whole stack (tests/support/system.py), shared by every tier that needs it."""
    yield from running_system(servers, database_factory, tmp_path_factory)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A green run that skipped something says so, loudly, with each reason once."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons = Counter(_skip_reason(report) for report in skipped)
    terminalreporter.section(f"SKIPPED: {len(skipped)} test(s) did not run", sep="!")
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"{count:4d} x {reason}")


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):  # (path, line, "Skipped: reason")
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)
