"""Streamed publisher confirms: what is confirmed is reported, in order, up to a refusal."""

from __future__ import annotations

import uuid

import pika

from shared.events.outbox import properties_for
from shared.events.publisher import ConfirmingPublisher, Message


def message(key: int, exchange: str, routing_key: str) -> Message:
    event_id = str(uuid.uuid4())
    return Message(key, exchange, routing_key, b"{}", properties_for(event_id, routing_key, None))


def test_a_batch_is_confirmed_whole_and_arrives_in_order(rabbitmq_url):  # type: ignore[no-untyped-def]
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    try:
        channel = connection.channel()
        queue = channel.queue_declare(queue="", exclusive=True).method.queue
        publisher = ConfirmingPublisher(connection)
        batch = [message(n, "", queue) for n in range(300)]
        assert publisher.publish(batch) == list(range(300))
        assert publisher.publish(batch[:5]) == [0, 1, 2, 3, 4]  # the channel is reusable
        got = [channel.basic_get(queue, auto_ack=True)[1].message_id for _ in range(305)]
        assert got == [m.properties.message_id for m in batch + batch[:5]]
    finally:
        connection.close()


def test_an_unroutable_message_stops_the_confirmed_prefix_before_it(rabbitmq_url):  # type: ignore[no-untyped-def]
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    exchange = f"t.{uuid.uuid4().hex[:8]}.no-alternate"
    try:
        channel = connection.channel()
        channel.exchange_declare(exchange, "topic", auto_delete=True)
        queue = channel.queue_declare(queue="", exclusive=True).method.queue
        channel.queue_bind(queue, exchange, "routed")
        publisher = ConfirmingPublisher(connection)
        batch = [
            message(0, exchange, "routed"),
            message(1, exchange, "routed"),
            message(2, exchange, "nobody.listens"),
            message(3, exchange, "routed"),
        ]
        assert publisher.publish(batch) == [0, 1]
    finally:
        connection.close()
