"""Dead letters for operators: look at them, and replay them to their work queue."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pika

from shared.events.topology import Topology

# Headers that describe a past failure; a replayed message starts its attempts afresh.
_FAILURE_HEADERS = (
    "x-attempts",
    "x-last-error",
    "x-error",
    "x-dead-reason",
    "x-dead-at",
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-delivery-count",
)


@dataclass
class DeadLetter:
    message_id: str | None
    type: str | None
    reason: str
    error: str
    attempts: Any
    body: bytes


def _describe(properties: pika.BasicProperties, body: bytes) -> DeadLetter:
    headers = properties.headers or {}
    reason = headers.get("x-dead-reason") or headers.get("x-first-death-reason") or "unknown"
    return DeadLetter(
        properties.message_id,
        properties.type,
        str(reason),
        str(headers.get("x-error", "")),
        headers.get("x-attempts"),
        body,
    )


def _drain(channel: Any, queue: str) -> Iterator[tuple[Any, pika.BasicProperties, bytes]]:
    """Every message of `queue` once, unacked (the caller acks or the channel's close requeues)."""
    remaining = channel.queue_declare(queue=queue, passive=True).method.message_count
    for _ in range(remaining):
        method, properties, body = channel.basic_get(queue=queue, auto_ack=False)
        if method is None:
            return
        yield method, properties, body


def list_dead_letters(
    connection: pika.BlockingConnection, topology: Topology, service: str
) -> list[DeadLetter]:
    """The dead letters of one service, oldest first, left in place."""
    channel = connection.channel()
    try:
        return [_describe(p, b) for _, p, b in _drain(channel, topology.dead_queue(service))]
    finally:
        channel.close()  # returns every fetched message to the dead queue


def replay_dead_letters(
    connection: pika.BlockingConnection,
    topology: Topology,
    service: str,
    message_id: str | None = None,
) -> int:
    """Move dead letters (all, or the one with `message_id`) back to the work queue."""
    channel = connection.channel()
    channel.confirm_delivery()
    replayed = 0
    try:
        for method, properties, body in _drain(channel, topology.dead_queue(service)):
            if message_id is not None and properties.message_id != message_id:
                continue
            headers = {
                k: v for k, v in (properties.headers or {}).items() if k not in _FAILURE_HEADERS
            }
            headers["x-replayed"] = int(headers.get("x-replayed", 0)) + 1
            properties.headers = headers
            channel.basic_publish(
                exchange="",
                routing_key=topology.queue(service),
                body=body,
                properties=properties,
                mandatory=True,
            )
            channel.basic_ack(method.delivery_tag)
            replayed += 1
    finally:
        channel.close()
    return replayed
