"""Prometheus metrics of the event library: consumers, the outbox, the dead-letter queues.

Counters and histograms are updated as events are handled. What lives in the database or the
broker (outbox backlog and age, queue depths) is read when Prometheus scrapes a worker's health
port, so the figure is the truth at that moment, not a copy that could go stale.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import Engine, Table, func, select

from shared.db import utcnow
from shared.events.connection import connect
from shared.events.topology import Topology

log = logging.getLogger(__name__)

EVENT_HANDLING = Histogram(
    "events_handling_seconds",
    "Time from taking a batch off the queue to its ack, per event",
    ["service", "queue"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
EVENT_LAG = Histogram(
    "events_lag_seconds",
    "Time from an event's occurred_at to its handling by this consumer",
    ["service", "queue"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)


class _Delivery(Protocol):
    event: Any
    outcome: str


def observe_batch(service: str, queue: str, batch: Sequence[_Delivery], seconds: float) -> None:
    """Handling time of every event of a batch, and the lag of those that were applied."""
    now = datetime.now(UTC)
    for delivery in batch:
        EVENT_HANDLING.labels(service, queue).observe(seconds)
        if delivery.outcome == "processed" and (occurred := _occurred(delivery.event)):
            EVENT_LAG.labels(service, queue).observe(max(0.0, (now - occurred).total_seconds()))


def _occurred(event: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(event.occurred_at))
    except (AttributeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class OutboxCollector:
    """outbox_pending_events and outbox_oldest_pending_seconds, read from the database."""

    def __init__(self, service: str, engine: Engine, outbox: Table) -> None:
        self.service, self.engine, self.outbox = service, engine, outbox

    def collect(self) -> Iterator[Metric]:
        try:
            with self.engine.connect() as conn:
                pending, oldest = conn.execute(
                    select(func.count(), func.min(self.outbox.c.created_at)).where(
                        self.outbox.c.sent_at.is_(None)
                    )
                ).one()
        except Exception as exc:  # the scrape goes on; outbox_up says why figures are missing
            log.warning("outbox figures unavailable: %s", exc)
            yield _gauge("outbox_up", "1 if the outbox could be read", self.service, 0)
            return
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        yield _gauge("outbox_up", "1 if the outbox could be read", self.service, 1)
        yield _gauge("outbox_pending_events", "Events not yet published", self.service, pending)
        yield _gauge(
            "outbox_oldest_pending_seconds",
            "Age of the oldest event not yet published (0 when none waits)",
            self.service,
            max(0.0, age),
        )


class QueueDepthCollector:
    """events_queue_messages{kind=work|retry|dead}: depth of a consuming service's queues."""

    def __init__(
        self,
        service: str,
        rabbitmq_url: str,
        topology: Topology,
        names: Sequence[str] | None = None,
    ) -> None:
        """`names`: the service's queue names (its lanes too: `order`, `order.books`)."""
        self.service, self.url, self.topology = service, rabbitmq_url, topology
        self.names = list(names or [service])

    def collect(self) -> Iterator[Metric]:
        queues = [
            (kind, queue)
            for name in self.names
            for kind, queue in (
                ("work", self.topology.queue(name)),
                ("retry", self.topology.retry_queue(name)),
                ("dead", self.topology.dead_queue(name)),
            )
        ]
        family = GaugeMetricFamily(
            "events_queue_messages",
            "Messages ready in a service's work, retry and dead-letter queues",
            labels=["service", "queue", "kind"],
        )
        try:
            connection = connect(self.url, name=f"{self.service}-metrics")
        except Exception as exc:
            log.warning("queue depths unavailable: %s", exc)
            return
        try:
            channel = connection.channel()
            for kind, queue in queues:
                depth = channel.queue_declare(queue=queue, passive=True).method.message_count
                family.add_metric([self.service, queue, kind], depth)
        except Exception as exc:  # a queue not declared yet: report the others next time
            log.warning("queue depths unavailable: %s", exc)
            return
        finally:
            if connection.is_open:
                connection.close()
        yield family


def _gauge(name: str, documentation: str, service: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["service"])
    family.add_metric([service], value)
    return family
