"""Typed events on a real broker: the consumer decodes once; bad data never reaches a handler."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pika
import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from shared.events import Consumer, Envelope, Topology
from shared.events.catalogue import OrderDelivered
from shared.events.dlq import list_dead_letters
from shared.events.outbox import properties_for
from shared.events.topology import declare, service_queues
from tests.support.eventkit import (
    FAST_RETRIES,
    effect_counts,
    effects,
    inbox,
    make_schema,
    running,
    wait_until,
)

pytestmark = pytest.mark.timeout(120)
EVENT_TYPE = "order.delivered"


@pytest.fixture
def service_db(database_factory):  # type: ignore[no-untyped-def]
    engine, sessions = make_schema(database_factory("events_typed"))
    yield engine, sessions
    engine.dispose()


def publish_body(url: str, topology: Topology, data: Any) -> str:
    """An envelope that is valid as an envelope, whatever its data; returns its id."""
    event_id = str(uuid.uuid4())
    body = {"id": event_id, "type": EVENT_TYPE, "schema": 1, "producer": "test", "data": data}
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(
        topology.exchange,
        EVENT_TYPE,
        json.dumps(body).encode(),
        properties_for(event_id, EVENT_TYPE, None),
        mandatory=True,
    )
    connection.close()
    return event_id


def test_data_that_does_not_fit_its_class_is_dead_lettered_before_any_handler_runs(
    service_db: Any, rabbitmq_url: str, topology: Topology
) -> None:
    engine, sessions = service_db
    seen: list[Any] = []

    def on_delivered(session: Session, event: Envelope[OrderDelivered]) -> None:
        seen.append(event.data)
        session.execute(insert(effects).values(key=event.data.order_id))

    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    declare(connection.channel(), topology, service_queues(topology, "test", [EVENT_TYPE]))
    missing = publish_body(rabbitmq_url, topology, {})
    wrong_type = publish_body(rabbitmq_url, topology, {"order_id": 42})
    publish_body(rabbitmq_url, topology, {"order_id": "o-1", "added_in_v2": True})
    stop = threading.Event()
    consumer = Consumer(
        service="test",
        session_factory=sessions,
        inbox=inbox,
        handlers={EVENT_TYPE: [on_delivered]},
        rabbitmq_url=rabbitmq_url,
        topology=topology,
        stop=stop,
        policy=FAST_RETRIES,
    )
    with running(consumer.run, stop=stop):
        assert wait_until(lambda: effect_counts(engine) == {"o-1": 1})
        assert wait_until(lambda: len(list_dead_letters(connection, topology, "test")) == 2)
    dead = {d.message_id: d for d in list_dead_letters(connection, topology, "test")}
    connection.close()
    assert set(dead) == {missing, wrong_type}
    assert all(d.reason == "malformed" and d.attempts is None for d in dead.values())
    assert "order_id" in dead[missing].error and "order_id" in dead[wrong_type].error
    assert seen == [OrderDelivered(order_id="o-1")]  # typed, extras ignored, called once
