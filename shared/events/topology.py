"""The broker topology of docs/architecture.md (Events), as data first and declarations second.

Everything is declared idempotently at start-up by every process that needs it. A name prefix
(empty in production) keeps test runs apart from each other and from a local `make run`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_DELIVERY_LIMIT = 10
UNROUTED_MAX_LENGTH = 100_000


@dataclass(frozen=True)
class Topology:
    prefix: str = ""

    @property
    def exchange(self) -> str:
        return f"{self.prefix}bookstore.events"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.prefix}bookstore.dlx"

    @property
    def unrouted(self) -> str:
        """Alternate exchange and queue for events no service subscribes to (kept, not lost)."""
        return f"{self.prefix}bookstore.unrouted"

    def queue(self, service: str) -> str:
        return f"{self.prefix}{service}.events"

    def retry_queue(self, service: str) -> str:
        return f"{self.queue(service)}.retry"

    def dead_queue(self, service: str) -> str:
        return f"{self.queue(service)}.dead"


@dataclass(frozen=True)
class ExchangeDecl:
    name: str
    kind: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QueueDecl:
    name: str
    arguments: dict[str, Any]
    bindings: tuple[tuple[str, str], ...] = ()  # (exchange, routing key)


def exchanges(topology: Topology) -> list[ExchangeDecl]:
    """The exchanges every process declares before publishing or consuming."""
    return [
        ExchangeDecl(topology.unrouted, "fanout"),
        ExchangeDecl(topology.exchange, "topic", {"alternate-exchange": topology.unrouted}),
        ExchangeDecl(topology.dead_letter_exchange, "direct"),
    ]


def shared_queues(topology: Topology) -> list[QueueDecl]:
    """Queues that belong to no one service."""
    unrouted_args = {"x-queue-type": "classic", "x-max-length": UNROUTED_MAX_LENGTH}
    return [QueueDecl(topology.unrouted, unrouted_args, ((topology.unrouted, ""),))]


def service_queues(
    topology: Topology,
    service: str,
    routing_keys: list[str],
    delivery_limit: int = DEFAULT_DELIVERY_LIMIT,
) -> list[QueueDecl]:
    """The work queue of a consuming service, with its retry (delay) queue and dead-letter queue.

    Work queue: quorum, shared by all worker replicas; the broker dead-letters a message that was
    redelivered more than `delivery_limit` times (a worker crashing on it, say). Retry queue:
    holds a failed message for its backoff (per-message TTL), then dead-letters it back to the
    work queue through the default exchange. Dead queue: where failures end, for operators.
    """
    work, retry, dead = (
        topology.queue(service),
        topology.retry_queue(service),
        topology.dead_queue(service),
    )
    return [
        QueueDecl(
            work,
            {
                "x-queue-type": "quorum",
                "x-delivery-limit": delivery_limit,
                "x-dead-letter-exchange": topology.dead_letter_exchange,
                "x-dead-letter-routing-key": work,
            },
            tuple((topology.exchange, key) for key in routing_keys),
        ),
        QueueDecl(
            retry,
            {
                "x-queue-type": "classic",
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": work,
            },
        ),
        QueueDecl(dead, {"x-queue-type": "quorum"}, ((topology.dead_letter_exchange, work),)),
    ]


def declare(channel: Any, topology: Topology, queues: list[QueueDecl] | None = None) -> None:
    """Declare exchanges, shared queues and `queues` on a pika channel (idempotent)."""
    for exchange in exchanges(topology):
        channel.exchange_declare(
            exchange=exchange.name,
            exchange_type=exchange.kind,
            durable=True,
            arguments=exchange.arguments or None,
        )
    for queue in [*shared_queues(topology), *(queues or [])]:
        channel.queue_declare(queue=queue.name, durable=True, arguments=queue.arguments)
        for exchange_name, key in queue.bindings:
            channel.queue_bind(queue=queue.name, exchange=exchange_name, routing_key=key)


def declare_broadcast_queue(channel: Any, topology: Topology, routing_keys: list[str]) -> str:
    """An exclusive, auto-delete queue of this process only, bound to `routing_keys`."""
    declare(channel, topology)
    result = channel.queue_declare(queue="", exclusive=True, auto_delete=True)
    name = result.method.queue
    for key in routing_keys:
        channel.queue_bind(queue=name, exchange=topology.exchange, routing_key=key)
    return name
