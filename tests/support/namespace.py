"""What keeps test runs apart: a run id, and the clean-up of the broker names made under it."""

from __future__ import annotations

import uuid

import pika

from shared.events.topology import Topology

RUN_ID = f"t{uuid.uuid4().hex[:8]}"


def delete_topology(url: str, prefix: str, services: tuple[str, ...]) -> None:
    """Delete the exchanges and the services' queues declared under `prefix`."""
    topology = Topology(prefix)
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        for service in services:
            for queue in (
                topology.queue(service),
                topology.retry_queue(service),
                topology.dead_queue(service),
            ):
                channel.queue_delete(queue=queue)
        channel.queue_delete(queue=topology.unrouted)
        for exchange in (topology.exchange, topology.dead_letter_exchange, topology.unrouted):
            channel.exchange_delete(exchange=exchange)
    finally:
        connection.close()
