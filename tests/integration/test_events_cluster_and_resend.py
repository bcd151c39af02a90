"""RABBITMQ_URL may list a cluster's nodes (any live one serves), and `outbox resend` publishes a
time window of already-sent outbox rows again, for a broker that lost them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pika
import pika.exceptions
import pytest
from sqlalchemy import Engine, MetaData, create_engine, insert, select

from shared.events.connection import connect
from shared.events.tables import outbox_table
from shared.events.topology import Topology, declare

ROOT = Path(__file__).resolve().parents[2]
DEAD_NODE = "amqp://guest:guest@127.0.0.1:1/%2F"  # nothing listens on port 1


def test_a_list_of_broker_urls_connects_to_a_live_node_whatever_the_order(
    rabbitmq_url: str,
) -> None:
    for url in (f"{DEAD_NODE},{rabbitmq_url}", f"{rabbitmq_url}, {DEAD_NODE}"):
        for _ in range(4):  # the order is shuffled: each position gets its turn
            connection = connect(url, name="cluster-test")
            assert connection.is_open
            connection.close()


def test_a_list_of_dead_broker_urls_is_an_outage_not_a_hang() -> None:
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        connect(f"{DEAD_NODE},amqp://guest:guest@127.0.0.1:2/%2F", name="cluster-test")


def test_boot_puts_the_password_file_into_every_url_of_the_list(tmp_path: Path) -> None:
    (tmp_path / "password").write_text("p@ss/w:rd\n")
    env = {
        "PATH": os.environ["PATH"],
        "PYTHON": sys.executable,
        "RABBITMQ_URL": "amqp://catalog@rabbitmq-1:5672/%2F,amqp://catalog@rabbitmq-2:5672/%2F",
        "RABBITMQ_PASSWORD_FILE": str(tmp_path / "password"),
    }
    result = subprocess.run(
        [str(ROOT / "catalog_service/boot.sh"), "printenv", "RABBITMQ_URL"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == (
        "amqp://catalog:p%40ss%2Fw%3Ard@rabbitmq-1:5672/%2F,"
        "amqp://catalog:p%40ss%2Fw%3Ard@rabbitmq-2:5672/%2F"
    )


T0 = datetime(2026, 11, 30, 10, 0, 0)


@pytest.fixture
def outbox_db(database_factory: Callable[[str], str]) -> Iterator[tuple[str, Engine]]:
    url = database_factory(f"resend_{uuid.uuid4().hex[:6]}")
    engine = create_engine(url)
    outbox_table(MetaData()).create(engine)
    yield url, engine
    engine.dispose()


def add_row(engine: Engine, event_type: str, sent_at: datetime | None) -> str:
    event_id = str(uuid.uuid4())
    envelope = {"id": event_id, "type": event_type, "schema": 1, "data": {"n": event_type}}
    with engine.begin() as conn:
        conn.execute(
            insert(outbox_table(MetaData())).values(
                event_id=event_id,
                event_type=event_type,
                correlation_id="corr",
                payload=json.dumps(envelope),
                created_at=T0,
                sent_at=sent_at,
            )
        )
    return event_id


def test_outbox_resend_publishes_exactly_the_window_again_in_order(
    outbox_db: tuple[str, Engine], rabbitmq_url: str, topology: Topology
) -> None:
    url, engine = outbox_db
    before = add_row(engine, "book.created", T0 - timedelta(minutes=1))
    inside = [add_row(engine, "book.updated", T0 + timedelta(minutes=m)) for m in (0, 5, 59)]
    add_row(engine, "book.deleted", T0 + timedelta(hours=1))  # --until is exclusive
    add_row(engine, "book.updated", None)  # pending: the relay's, not ours
    with engine.connect() as conn:
        rows_before = conn.execute(select(outbox_table(MetaData()))).all()

    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    try:
        channel = connection.channel()
        declare(channel, topology)
        capture = channel.queue_declare(queue="", exclusive=True).method.queue
        channel.queue_bind(queue=capture, exchange=topology.exchange, routing_key="#")
        result = subprocess.run(
            [sys.executable, "-m", "shared.events", "outbox", "resend", "--service", "catalog"]
            + ["--since", "2026-11-30T10:00:00Z", "--until", "2026-11-30T11:00:00+00:00"],
            env={
                **os.environ,
                "CATALOG_DATABASE_URL": url,
                "RABBITMQ_URL": f"{DEAD_NODE},{rabbitmq_url}",
                "EVENT_PREFIX": topology.prefix,
            },
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["resent"] == 3
        received = []
        while (message := channel.basic_get(capture, auto_ack=True))[0] is not None:
            _, properties, body = message
            received.append(properties.message_id)
            assert json.loads(body)["id"] == properties.message_id
            assert properties.headers == {"x-resent": 1}
            assert properties.delivery_mode == 2 and properties.correlation_id == "corr"
    finally:
        connection.close()
    assert received == inside and before not in received
    with engine.connect() as conn:
        assert conn.execute(select(outbox_table(MetaData()))).all() == rows_before
