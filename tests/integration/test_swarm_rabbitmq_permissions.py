"""rabbitmq/permissions.json against a real broker: each service's user can do everything its
processes do (declare the topology, publish, consume, retry, dead-letter, replay, nudge relays)
and nothing another service's or the gateway's user is for.

The users are created with rabbitmqctl on the local node, with the file's permissions rewritten
for this run's name prefix (the nudge exchange and server-named queues have no prefix)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pika
import pika.exceptions
import pytest

from shared.events import nudge
from shared.events.dlq import list_dead_letters, replay_dead_letters
from shared.events.publisher import ConfirmingPublisher, Message
from shared.events.topology import Topology, declare, declare_broadcast_queue, service_queues
from tests.unit.test_swarm_rabbitmq_definitions import ROUTING_KEYS

ROOT = Path(__file__).resolve().parents[2]
UNPREFIXED = ("amq.", nudge.EXCHANGE)

Connect = Callable[[str], pika.BlockingConnection]


def for_prefix(pattern: str, prefix: str) -> str:
    """`^(a|b|c)$` with every name but the unprefixed ones under `prefix`."""
    match = re.fullmatch(r"\^\((.*)\)\$", pattern)
    assert match, pattern
    names = match.group(1).split("|")
    plain = [n.replace("\\.", ".") for n in names]
    return (
        "^("
        + "|".join(
            n if p.startswith(UNPREFIXED) else re.escape(prefix) + n
            for n, p in zip(names, plain, strict=True)
        )
        + ")$"
    )


@pytest.fixture
def connect_as(rabbitmq_url: str, topology: Topology) -> Iterator[Connect]:
    rabbitmqctl = shutil.which("rabbitmqctl")
    url = urlsplit(rabbitmq_url)
    if rabbitmqctl is None or url.hostname not in ("127.0.0.1", "localhost"):
        pytest.skip("NOT CHECKED: per-service broker permissions (no local rabbitmqctl node)")
    permissions = json.loads((ROOT / "rabbitmq/permissions.json").read_text())

    def ctl(*args: str) -> None:  # rabbitmqctl can time out on a busy node: try again
        for _ in range(3):
            result = subprocess.run([rabbitmqctl, *args], capture_output=True, text=True)
            if result.returncode == 0:
                return
        raise AssertionError(f"rabbitmqctl {args[0]} failed 3 times: {result.stderr}")

    users: dict[str, tuple[str, str]] = {}
    for entry in permissions:
        name, password = f"bt_{uuid.uuid4().hex[:8]}_{entry['user']}", uuid.uuid4().hex
        ctl("add_user", name, password)
        rules = [
            for_prefix(entry[kind], topology.prefix) for kind in ("configure", "write", "read")
        ]
        ctl("set_permissions", "-p", "/", name, *rules)
        users[entry["user"]] = (name, password)
    opened: list[pika.BlockingConnection] = []

    def connect(service: str) -> pika.BlockingConnection:
        name, password = users[service]
        netloc = f"{name}:{quote(password)}@{url.hostname}:{url.port or 5672}"
        connection = pika.BlockingConnection(
            pika.URLParameters(urlunsplit(url._replace(netloc=netloc)))
        )
        opened.append(connection)
        return connection

    yield connect
    for connection in opened:
        if connection.is_open:
            connection.close()
    for name, _ in users.values():
        subprocess.run([rabbitmqctl, "delete_user", name], capture_output=True)


def refused(action: Callable[[], object]) -> bool:
    try:
        action()
    except pika.exceptions.ChannelClosedByBroker as exc:
        return exc.reply_code == 403
    return False


def listen_for_nudges(channel: pika.adapters.blocking_connection.BlockingChannel) -> None:
    """What every outbox relay does (shared/events/outbox.py)."""
    nudge.declare_exchange(channel)
    queue = channel.queue_declare(
        "", exclusive=True, auto_delete=True, arguments={"x-max-length": 1}
    ).method.queue
    channel.queue_bind(queue, nudge.EXCHANGE, "bt_outbox_key")
    channel.basic_consume(queue, lambda *_: None, auto_ack=True)
    channel.basic_publish(nudge.EXCHANGE, "bt_outbox_key", b"")


def publish_event(connection: pika.BlockingConnection, topology: Topology, key: str) -> None:
    message = Message(1, topology.exchange, key, b"{}", pika.BasicProperties(message_id="m1"))
    assert ConfirmingPublisher(connection).publish([message]) == [1]


@pytest.mark.parametrize("service", sorted(ROUTING_KEYS))
def test_a_consuming_service_does_all_its_work_on_its_own_queues_only(
    connect_as: Connect, topology: Topology, service: str
) -> None:
    user = service.split(".")[0]  # a lane's queues (`order.books`) belong to its service's user
    other = next(s for s in ROUTING_KEYS if s.split(".")[0] != user)
    connection = connect_as(user)
    channel = connection.channel()
    declare(channel, topology, service_queues(topology, service, ROUTING_KEYS[service]))
    declare(
        connect_as(other.split(".")[0]).channel(), topology, service_queues(topology, other, [])
    )
    listen_for_nudges(connection.channel())
    publish_event(connection, topology, ROUTING_KEYS[other][0])  # what it produces
    work, retry = topology.queue(service), topology.retry_queue(service)
    channel.basic_publish(topology.exchange, ROUTING_KEYS[service][0], b"{}")
    channel.basic_publish("", retry, b"{}")  # a retry, through the default exchange
    channel.basic_publish(topology.dead_letter_exchange, work, b"{}")  # a dead letter
    for queue in (work, retry, topology.dead_queue(service)):
        channel.queue_declare(queue, passive=True)  # the metrics' queue depths
    assert channel.basic_get(work, auto_ack=True)[0] is not None
    assert replay_dead_letters(connection, topology, service) == 1  # reads the dead queue
    assert list_dead_letters(connection, topology, service) == []

    assert refused(lambda: connection.channel().basic_get(topology.queue(other)))
    assert refused(lambda: connection.channel().queue_purge(topology.dead_queue(other)))
    assert refused(
        lambda: declare(connection.channel(), topology, service_queues(topology, other, []))
    )


def test_the_auth_service_publishes_and_consumes_nothing(
    connect_as: Connect, topology: Topology
) -> None:
    connection = connect_as("auth")
    declare(connection.channel(), topology)
    listen_for_nudges(connection.channel())
    publish_event(connection, topology, "user.registered")
    declare(connect_as("catalog").channel(), topology, service_queues(topology, "catalog", []))
    assert refused(lambda: connection.channel().basic_get(topology.queue("catalog")))
    assert refused(
        lambda: declare(connection.channel(), topology, service_queues(topology, "auth", []))
    )


def test_the_gateway_follows_revocations_and_can_publish_no_event(
    connect_as: Connect, topology: Topology
) -> None:
    connection = connect_as("gateway")
    channel = connection.channel()
    queue = declare_broadcast_queue(channel, topology, ["auth.token_revoked"])
    channel.basic_consume(queue, lambda *_: None, auto_ack=True)

    def publish() -> None:
        confirming = connection.channel()
        confirming.confirm_delivery()
        confirming.basic_publish(topology.exchange, "auth.token_revoked", b"{}")

    assert refused(publish)
    assert refused(lambda: nudge.declare_exchange(connection.channel()))
