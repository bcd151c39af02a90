"""rabbitmq/: the operators' definitions and the entrypoint, checked by a real RabbitMQ.

The definitions are imported with `rabbitmqctl import_definitions` (names prefixed for this run),
then the services' own declarations run against them: the broker refuses any difference in type
or arguments (PRECONDITION_FAILED), so a pass means the two describe the same topology.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pika
import pytest

from shared.events.topology import Topology, declare, service_queues
from tests.unit.test_swarm_rabbitmq_definitions import ROUTING_KEYS

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "rabbitmq/docker-entrypoint-bookstore.sh"
RABBITMQCTL = shutil.which("rabbitmqctl")


def rabbitmqctl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    if RABBITMQCTL is None:
        pytest.skip("rabbitmqctl is not installed here")
    result = subprocess.run(
        [RABBITMQCTL, *args], input=stdin, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0 and "unable to perform an operation" in result.stderr.lower():
        pytest.skip("rabbitmqctl cannot reach the local node")
    assert result.returncode == 0, result.stderr
    return result


def prefixed(definitions: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The same definitions with every exchange and queue name under `prefix`."""
    names = {e["name"] for e in definitions["exchanges"]} | {
        q["name"] for q in definitions["queues"]
    }

    def rename(value: Any) -> Any:
        return f"{prefix}{value}" if value in names else value

    out = json.loads(json.dumps(definitions))
    for item in out["exchanges"] + out["queues"]:
        item["name"] = rename(item["name"])
        item["arguments"] = {k: rename(v) for k, v in item["arguments"].items()}
    for binding in out["bindings"]:
        binding["source"], binding["destination"] = (
            rename(binding["source"]),
            rename(binding["destination"]),
        )
        binding["routing_key"] = rename(binding["routing_key"])
    return out


def wait_for_queue(channel: Any, name: str, timeout: float = 30) -> None:
    """The import is asynchronous: wait until `name` exists (a passive declare succeeds)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            channel.queue_declare(queue=name, passive=True)
            return
        except pika.exceptions.ChannelClosedByBroker:
            assert time.monotonic() < deadline, f"{name} never appeared"
            time.sleep(0.5)
            channel = channel.connection.channel()


@pytest.fixture
def local_node(rabbitmq_url: str) -> None:
    """rabbitmqctl reaches the local node only: skip when the tests' broker is another one
    (a testcontainers broker on a mapped port, a remote TEST_RABBITMQ_URL)."""
    url = urlsplit(rabbitmq_url)
    if url.hostname not in ("127.0.0.1", "localhost") or url.port not in (None, 5672):
        pytest.skip("the test broker is not the local node rabbitmqctl manages")


@pytest.fixture
def connection(rabbitmq_url: str, local_node: None) -> Iterator[pika.BlockingConnection]:
    conn = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    yield conn
    if conn.is_open:
        conn.close()


def import_definitions(definitions: dict[str, Any]) -> None:
    """Through stdin: rabbitmqctl runs as the rabbitmq user, who cannot read pytest's tmp dirs."""
    rabbitmqctl("import_definitions", "--format", "json", stdin=json.dumps(definitions))


def test_imported_definitions_match_what_the_services_declare(
    local_node: None, topology: Topology, connection: pika.BlockingConnection, tmp_path: Path
) -> None:
    definitions = json.loads((ROOT / "rabbitmq/definitions.json").read_text())
    import_definitions(prefixed(definitions, topology.prefix))
    wait_for_queue(connection.channel(), topology.dead_queue("order"))
    channel = connection.channel()
    for service, keys in ROUTING_KEYS.items():
        declare(channel, topology, service_queues(topology, service, keys))  # raises on a mismatch
    assert channel.is_open


def test_imported_bindings_route_each_event_to_its_consumers_and_the_rest_aside(
    local_node: None, topology: Topology, connection: pika.BlockingConnection, tmp_path: Path
) -> None:
    definitions = json.loads((ROOT / "rabbitmq/definitions.json").read_text())
    import_definitions(prefixed(definitions, topology.prefix))
    channel = connection.channel()
    wait_for_queue(channel, topology.unrouted)
    channel.confirm_delivery()
    keys = (
        "order.placed",
        "book.updated",
        "stock.reserved",
        "order.shipped",
        "nobody.listens.to.this",
    )
    for key in keys:
        channel.basic_publish(topology.exchange, key, b"{}", mandatory=True)
    time.sleep(0.5)
    # What the definitions promise: each key in every queue bound to it, an unbound one aside.
    bound = {
        (b["destination"], b["routing_key"])
        for b in definitions["bindings"]
        if b["source"] == "bookstore.events"
    }
    queues = sorted({queue for queue, _ in bound})
    expected = {
        topology.prefix + queue: sum((queue, key) in bound for key in keys) for queue in queues
    }
    expected[topology.unrouted] = 1
    assert expected[topology.queue("catalog")] >= 1 and expected[topology.queue("order")] >= 1
    assert expected[topology.queue("order.books")] >= 1  # the read model's lane
    counts = {
        name: channel.queue_declare(queue=name, passive=True).method.message_count
        for name in expected
    }
    assert counts == expected


def test_the_entrypoint_seeds_users_that_can_log_in(
    rabbitmq_url: str, local_node: None, tmp_path: Path
) -> None:
    users = [f"bt_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    passwords = {}
    for user in users:
        passwords[user] = tmp_path / f"{user}.password"
        passwords[user].write_text('pa"ss\\wo%rd-' + uuid.uuid4().hex + "\n")
    (tmp_path / "permissions.json").write_text(
        json.dumps(
            [{"user": u, "vhost": "/", "configure": "", "write": "", "read": ""} for u in users]
        )
    )
    seeded = subprocess.run(
        [str(ENTRYPOINT), "users-json", " ".join(f"{u}={passwords[u]}" for u in users)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BOOKSTORE_RABBITMQ_PERMISSIONS": str(tmp_path / "permissions.json")},
    ).stdout
    import_definitions(json.loads(seeded))
    try:
        params = pika.URLParameters(rabbitmq_url)
        for user in users:
            secret = passwords[user].read_text().rstrip("\n")
            for attempt in range(20):
                try:
                    params.credentials = pika.PlainCredentials(user, secret)
                    pika.BlockingConnection(params).close()
                    break
                except pika.exceptions.ProbableAuthenticationError:
                    assert attempt < 19, f"the seeded user {user} cannot log in"
                    time.sleep(0.5)
        params.credentials = pika.PlainCredentials(users[0], "wrong")
        with pytest.raises(pika.exceptions.ProbableAuthenticationError):
            pika.BlockingConnection(params)
    finally:
        for user in users:
            rabbitmqctl("delete_user", user)


def test_the_entrypoint_prepares_definitions_and_cookie_then_hands_over(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin/docker-entrypoint.sh"
    fake.write_text('#!/bin/sh\necho "handed over: $*"\n')
    fake.chmod(0o755)
    (tmp_path / "home").mkdir()
    (tmp_path / "password").write_text("s3cret\n")
    (tmp_path / "gateway-password").write_text("an0ther\n")
    (tmp_path / "cookie").write_text("COOKIE123\n")
    env = {
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "BOOKSTORE_DEFINITIONS_DIR": str(tmp_path / "defs"),
        "BOOKSTORE_RABBITMQ_HOME": str(tmp_path / "home"),
        "BOOKSTORE_RABBITMQ_USERS": f"catalog={tmp_path / 'password'} "
        f"gateway={tmp_path / 'gateway-password'}",
        "BOOKSTORE_RABBITMQ_PERMISSIONS": str(ROOT / "rabbitmq/permissions.json"),
        "BOOKSTORE_ERLANG_COOKIE_FILE": str(tmp_path / "cookie"),
        "BOOKSTORE_DEFINITIONS": str(ROOT / "rabbitmq/definitions.json"),
    }
    result = subprocess.run(
        [str(ENTRYPOINT), "rabbitmq-server"], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "handed over: rabbitmq-server"
    topology = (tmp_path / "defs/10-topology.json").read_text()
    assert topology == (ROOT / "rabbitmq/definitions.json").read_text()
    users = json.loads((tmp_path / "defs/20-users.json").read_text())
    assert [user["name"] for user in users["users"]] == ["catalog", "gateway"]
    assert users["permissions"] == json.loads((ROOT / "rabbitmq/permissions.json").read_text())
    assert "s3cret" not in json.dumps(users) and "an0ther" not in json.dumps(users)
    cookie = tmp_path / "home/.erlang.cookie"
    assert cookie.read_text() == "COOKIE123"
    assert stat.S_IMODE(cookie.stat().st_mode) == 0o400
    assert stat.S_IMODE((tmp_path / "defs").stat().st_mode) == 0o700
