"""A worker's lanes, against the real broker and database: each lane is a work queue of its own,
bound to its own event types and consumed beside the main one (order_service reads `book.*`
on a lane so that a catalogue import never holds up a checkout's `stock.reserved`)."""

from __future__ import annotations

import pika
import pytest

from shared.events import new_event
from shared.events.outbox import properties_for
from shared.events.topology import Topology, declare, service_queues
from shared.events.worker import Worker, WorkerSpec
from tests.support.eventkit import (
    EVENT_TYPE,
    effect_counts,
    inbox,
    make_schema,
    outbox,
    record_effect,
    running,
    wait_until,
)
from tests.support.ports import free_port

pytestmark = pytest.mark.timeout(120)
LANE_TYPE = "test.listed"


def publish(url: str, topology: Topology, event_type: str, key: str) -> None:
    event = new_event(event_type, {"key": key}, producer="test")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        properties = properties_for(event.id, event_type, None)
        channel.basic_publish(
            topology.exchange, event_type, event.to_json().encode(), properties, mandatory=True
        )
    finally:
        connection.close()


def depth(url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def declare_before_the_lane(url: str, topology: Topology) -> None:
    """The main queue as a broker from before the lane has it: bound to the lane's type too,
    with one such event waiting in it."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        declare(
            connection.channel(),
            topology,
            service_queues(topology, "test", [EVENT_TYPE, LANE_TYPE]),
        )
    finally:
        connection.close()
    publish(url, topology, LANE_TYPE, "waiting since before")


def test_each_lane_consumes_its_own_event_types_from_its_own_queue(
    database_factory, rabbitmq_url, topology
):  # type: ignore[no-untyped-def]
    engine, sessions = make_schema(database_factory("lanes"))
    declare_before_the_lane(rabbitmq_url, topology)
    assert depth(rabbitmq_url, topology.queue("test")) == 1
    worker = Worker(
        WorkerSpec(
            service="test",
            engine=engine,
            session_factory=sessions,
            outbox=outbox,
            inbox=inbox,
            rabbitmq_url=rabbitmq_url,
            topology=topology,
            handlers={EVENT_TYPE: [record_effect]},
            lanes={"lane": {LANE_TYPE: [record_effect]}},
            health_port=free_port(),
        )
    )
    assert [c.queue for c in worker.consumers] == [
        topology.queue("test"),
        topology.queue("test.lane"),
    ]
    try:
        with running(*(c.run for c in worker.consumers), stop=worker.stop):
            assert wait_until(lambda: all(c.connected.is_set() for c in worker.consumers))
            publish(rabbitmq_url, topology, LANE_TYPE, "listed")
            publish(rabbitmq_url, topology, EVENT_TYPE, "happened")
            # What waited in the main queue is still applied there; nothing is lost by the move.
            expected = {"listed": 1, "happened": 1, "waiting since before": 1}
            assert wait_until(lambda: effect_counts(engine) == expected)
        # Bound apart, the old binding gone: the lane's type reaches the lane's queue only.
        worker.stop.clear()
        publish(rabbitmq_url, topology, LANE_TYPE, "waits on the lane")
        assert depth(rabbitmq_url, topology.queue("test.lane")) == 1
        assert depth(rabbitmq_url, topology.queue("test")) == 0
    finally:
        engine.dispose()
