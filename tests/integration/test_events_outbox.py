"""The outbox relay: confirmed publishing, in order, safe with several replicas."""

from __future__ import annotations

import threading

import pika
import pytest
from sqlalchemy import func, select

from shared.events import add_event, new_event
from shared.events.outbox import backlog
from shared.events.topology import declare
from tests.support.eventkit import EVENT_TYPE, make_relay, make_schema, outbox, wait_until

pytestmark = pytest.mark.timeout(180)


def test_two_relays_on_one_outbox_publish_every_event_once_and_in_order(
    database_factory, rabbitmq_url, topology
):  # type: ignore[no-untyped-def]
    engine, sessions = make_schema(database_factory("relays"))
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    channel = connection.channel()
    declare(channel, topology)
    tap = channel.queue_declare(queue="", exclusive=True).method.queue
    channel.queue_bind(tap, topology.exchange, EVENT_TYPE)
    with sessions.begin() as session:
        ids = []
        for key in range(500):
            event = new_event(EVENT_TYPE, {"key": str(key)}, producer="test")
            add_event(session, outbox, event)
            ids.append(event.id)
    with engine.connect() as conn:
        assert backlog(conn, outbox)["pending"] == 500

    stop = threading.Event()
    relays = [
        make_relay(engine=engine, url=rabbitmq_url, topology=topology, stop=stop, name=f"relay-{n}")
        for n in range(2)
    ]
    threads = [threading.Thread(target=relay.run, daemon=True) for relay in relays]
    for thread in threads:
        thread.start()
    received: list[str] = []
    try:
        for method, properties, _ in channel.consume(tap, auto_ack=True, inactivity_timeout=3):
            if method is None:
                break
            received.append(properties.message_id)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        connection.close()
    assert received == ids  # all of them, each once, in the order they were written
    assert sum(relay.published for relay in relays) == 500
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).where(outbox.c.sent_at.is_(None))).scalar() == 0
    engine.dispose()


def test_an_event_no_service_subscribes_to_is_kept_in_the_unrouted_queue(
    database_factory, rabbitmq_url, topology
):  # type: ignore[no-untyped-def]
    engine, sessions = make_schema(database_factory("unrouted"))
    event = new_event("order.delivered", {"order_id": "o-1"}, producer="test")
    with sessions.begin() as session:
        add_event(session, outbox, event)
    stop = threading.Event()
    relay = make_relay(engine=engine, url=rabbitmq_url, topology=topology, stop=stop)
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: relay.published == 1, timeout=30)
    finally:
        stop.set()
        thread.join(30)
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    method, properties, _ = connection.channel().basic_get(topology.unrouted, auto_ack=True)
    connection.close()
    assert method is not None and properties.message_id == event.id
    engine.dispose()
