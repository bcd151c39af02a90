"""The consumer loop: inbox for exactly-once effects, ack after commit, bounded retries, DLQ.

Messages already waiting in the channel are applied in one database transaction (one savepoint
each), so a burst costs one commit per batch instead of one per message; the whole batch is
acked only after that commit.

Failure policy (CONTRIBUTING.md, "Failure policy"), per message:
- not a valid envelope, data that does not fit its catalogued class (shared.events.catalogue), or
  a handler raised PermanentError: dead-lettered at once;
- the database is unreachable, or a deadlock / lock timeout: the batch is rolled back and retried
  in place after a backoff, without spending attempts (an outage is not the messages' fault);
- any other exception: re-queued through the retry queue after a backoff, dead-lettered with the
  error in its headers once `RetryPolicy.max_attempts` attempts failed;
- the worker dies mid-message: nothing was acked or committed, the broker redelivers, and the
  inbox makes a second delivery of a committed message harmless. A message that keeps killing
  workers is dead-lettered by the queue's x-delivery-limit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions
from prometheus_client import Counter
from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from shared.db import utcnow
from shared.events.connection import connect, run_with_reconnect
from shared.events.envelope import Envelope, EnvelopeError, decode, parse_envelope
from shared.events.metrics import observe_batch
from shared.events.retry import Backoff, RetryPolicy
from shared.events.topology import Topology, declare, service_queues
from shared.logs import bind_correlation
from shared.timestamps import now_iso

log = logging.getLogger(__name__)

Handler = Callable[[Session, Envelope[Any]], None]  # data decoded (catalogue class)
EVENTS_HANDLED = Counter(
    "events_handled_total", "Events taken off a queue, by outcome", ["service", "type", "outcome"]
)
# MariaDB errors that mean "try again later", not "this message is bad".
TRANSIENT_DB_ERRORS = {1053, 1205, 1213, 1927, 2003, 2006, 2013, 2014, 2055, 4031}


class PermanentError(Exception):
    """Raised by a handler for a message that can never succeed: dead-letter it at once."""


@dataclass
class Delivery:
    method: Any
    properties: pika.BasicProperties
    body: bytes
    event: Envelope | None = None
    outcome: str = "pending"  # processed | duplicate | ignored | retried | dead_lettered
    failure: Exception | None = None


def is_transient(exc: BaseException) -> bool:
    """True for database failures that say nothing about the message itself."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
        return code in TRANSIENT_DB_ERRORS
    return False


class Consumer:
    """Consumes a service's work queue with competing-consumer semantics."""

    def __init__(
        self,
        *,
        service: str,
        session_factory: Callable[[], Session],
        inbox: Table,
        handlers: Mapping[str, Sequence[Handler]],
        rabbitmq_url: str,
        topology: Topology,
        stop: threading.Event,
        policy: RetryPolicy = RetryPolicy(),
        prefetch: int = 50,
        delivery_limit: int = 10,
        queue_name: str | None = None,
        binds: Sequence[str] | None = None,
        unbinds: Sequence[str] = (),
    ) -> None:
        """`queue_name` (default: the service) names the work, retry and dead queues, which are
        bound to `binds` (default: every type handled; `handlers` may also cover types that only
        reach the queue from before a move to another lane) and unbound from `unbinds`."""
        self.service, self.session_factory, self.inbox = service, session_factory, inbox
        self.handlers, self.url, self.topology, self.stop = handlers, rabbitmq_url, topology, stop
        self.policy, self.prefetch, self.delivery_limit = policy, prefetch, delivery_limit
        self.name = queue_name or service
        self.binds = sorted(handlers) if binds is None else sorted(binds)
        self.unbinds = sorted(unbinds)
        self.queue = topology.queue(self.name)
        self.connected = threading.Event()
        self._channel: Any = None

    def run(self) -> None:
        run_with_reconnect(
            self._session,
            stop=self.stop,
            what=f"{self.service} consumer",
            on_down=self.connected.clear,
        )

    def _session(self) -> None:
        connection = connect(self.url, name=f"{self.name}-consumer")
        try:
            channel = self._channel = connection.channel()
            declare(
                channel,
                self.topology,
                service_queues(self.topology, self.name, self.binds, self.delivery_limit),
            )
            for key in self.unbinds:  # moved to another lane: never routed here again
                channel.queue_unbind(self.queue, self.topology.exchange, routing_key=key)
            channel.confirm_delivery()
            channel.basic_qos(prefetch_count=self.prefetch)
            self.connected.set()
            deliveries = channel.consume(self.queue, inactivity_timeout=0.5)
            for method, properties, body in deliveries:
                if method is not None:
                    batch = [Delivery(method, properties, body)]
                    while channel.get_waiting_message_count() and len(batch) < self.prefetch:
                        more = next(deliveries, None)
                        if more is None or more[0] is None:
                            break  # the consumer was cancelled or went idle
                        batch.append(Delivery(*more))
                    self.deliver(batch)
                if self.stop.is_set():
                    break
            channel.cancel()  # unacked prefetched messages go back to the queue
        finally:
            self.connected.clear()
            if connection.is_open:
                connection.close()

    def deliver(self, batch: list[Delivery]) -> list[Delivery]:
        """Handle deliveries to the end: effects committed or re-queued, then all acked."""
        started = time.perf_counter()
        work = [d for d in batch if self._parse(d)]
        if work:
            self._apply_until_done(work)
        for delivery in work:
            if delivery.failure is not None:
                self._retry_or_dead_letter(delivery)
        self._channel.basic_ack(batch[-1].method.delivery_tag, multiple=True)
        for d in batch:
            EVENTS_HANDLED.labels(self.service, d.properties.type or "?", d.outcome).inc()
        observe_batch(self.service, self.queue, batch, time.perf_counter() - started)
        return batch

    def _parse(self, delivery: Delivery) -> bool:
        """True if the delivery has handlers to run; malformed ones are dead-lettered here.

        The data of a handled event is decoded into its catalogued class here, once, so every
        handler gets typed fields and none has to check them: data that does not fit its class
        (a missing field, a quantity of "2") is malformed, hence dead-lettered at once.
        """
        try:
            event = parse_envelope(delivery.body)
            if not self.handlers.get(event.type):
                delivery.event, delivery.outcome = event, "ignored"
                return False
            delivery.event = decode(event)
        except EnvelopeError as exc:
            log.error("malformed message dead-lettered: %s", exc)
            self._dead_letter(delivery, f"malformed: {exc}", "malformed")
            return False
        return True

    def _apply_until_done(self, work: list[Delivery]) -> None:
        outages = 0
        while True:
            try:
                return self._apply(work)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if self.stop.is_set():
                    raise  # stopping mid-outage: leave the batch unacked for redelivery
                outages += 1
                delay = Backoff(base=0.5, cap=10.0).delay(outages)
                log.warning("transient database error, batch retried in %.1fs: %s", delay, exc)
                self._channel.connection.sleep(delay)

    def _apply(self, work: list[Delivery]) -> None:
        """Apply a batch in one transaction: the fast path first, one savepoint per event after.

        Fast path: record every id in the inbox in one insert, then run the handlers. An id the
        inbox already holds (a redelivery, or a replica that recorded it first) fails that insert
        before any handler ran; that, or a handler failing, rolls the batch back, and it is
        replayed event by event, each in a savepoint, so duplicates and failures stay alone.
        """
        for delivery in work:
            delivery.outcome, delivery.failure = "pending", None
        try:
            with self.session_factory() as session, session.begin():
                self._apply_fast(session, work)
            return
        except Exception as exc:
            if is_transient(exc):
                raise
        for delivery in work:
            delivery.outcome, delivery.failure = "pending", None
        with self.session_factory() as session, session.begin():
            for delivery in work:
                assert delivery.event is not None
                with bind_correlation(delivery.event.correlation_id, delivery.event.id):
                    self._apply_one(session, delivery)

    def _apply_fast(self, session: Session, work: list[Delivery]) -> None:
        """No SELECT of the inbox first: under load every round trip of a batch is latency."""
        fresh: dict[str, Envelope[Any]] = {}
        for delivery in work:
            event = delivery.event
            assert event is not None
            if event.id in fresh:
                delivery.outcome = "duplicate"  # the same event twice in one batch
            else:
                fresh[event.id] = event
        now = utcnow()
        session.execute(
            insert(self.inbox),
            [  # in id order, so two replicas holding the same ids lock them in the same order
                {
                    "consumer": self.service,
                    "event_id": event_id,
                    "event_type": fresh[event_id].type,
                    "processed_at": now,
                }
                for event_id in sorted(fresh)
            ],
        )
        for event in fresh.values():
            with bind_correlation(event.correlation_id, event.id):
                for handler in self.handlers[event.type]:
                    handler(session, event)
        for delivery in work:
            if delivery.outcome == "pending":
                delivery.outcome = "processed"

    def _apply_one(self, session: Session, delivery: Delivery) -> None:
        event = delivery.event
        assert event is not None
        savepoint = session.begin_nested()
        try:
            session.execute(
                insert(self.inbox).values(
                    consumer=self.service,
                    event_id=event.id,
                    event_type=event.type,
                    processed_at=utcnow(),
                )
            )
        except IntegrityError:
            savepoint.rollback()
            delivery.outcome = "duplicate"
            return
        try:
            for handler in self.handlers[event.type]:
                handler(session, event)
        except Exception as exc:
            savepoint.rollback()
            if is_transient(exc):
                raise
            delivery.failure = exc
            return
        savepoint.commit()
        delivery.outcome = "processed"

    def _retry_or_dead_letter(self, delivery: Delivery) -> None:
        exc = delivery.failure
        headers = delivery.properties.headers or {}
        attempts = int(headers.get("x-attempts", 0)) + 1
        error = f"{type(exc).__name__}: {exc}"[:1000]
        if isinstance(exc, PermanentError):
            log.error("handler refused the message for good, dead-lettered: %s", error)
            self._dead_letter(delivery, error, "permanent", attempts)
            return
        step, delay = self.policy.next_step(attempts)
        log.warning(
            "handler failed (attempt %d of %d): %s",
            attempts,
            self.policy.max_attempts,
            error,
            exc_info=exc,
        )
        if step == "dead_letter":
            self._dead_letter(delivery, error, "retries_exhausted", attempts)
            return
        self._republish(
            "",
            self.topology.retry_queue(self.name),
            delivery,
            {**headers, "x-attempts": attempts, "x-last-error": error},
            expiration=str(int(delay * 1000)),
        )
        delivery.outcome = "retried"

    def _dead_letter(
        self, delivery: Delivery, error: str, reason: str, attempts: int | None = None
    ) -> None:
        headers = {
            **(delivery.properties.headers or {}),
            "x-error": error[:1000],
            "x-dead-reason": reason,
            "x-dead-at": now_iso(),
            "x-original-queue": self.queue,
        }
        if attempts is not None:
            headers["x-attempts"] = attempts
        self._republish(self.topology.dead_letter_exchange, self.queue, delivery, headers)
        delivery.outcome = "dead_lettered"

    def _republish(
        self,
        exchange: str,
        routing_key: str,
        delivery: Delivery,
        headers: dict,
        expiration: str | None = None,
    ) -> None:
        """Publish a copy with confirms; the original is acked only after this returns."""
        original = delivery.properties
        copy = pika.BasicProperties(
            message_id=original.message_id,
            type=original.type,
            content_type=original.content_type or "application/json",
            delivery_mode=pika.DeliveryMode.Persistent,
            correlation_id=original.correlation_id,
            headers=headers,
            expiration=expiration,
        )
        self._channel.basic_publish(
            exchange=exchange,
            routing_key=routing_key,
            body=delivery.body,
            properties=copy,
            mandatory=True,
        )
