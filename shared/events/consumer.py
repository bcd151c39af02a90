"""The consumer loop: inbox for exactly-once effects, ack after commit, bounded retries, DLQ.

Failure policy (STYLE.md rule 7), per message:
- not a valid envelope, or a handler raised PermanentError: dead-lettered at once;
- the database is unreachable, or a deadlock / lock timeout: retried in place after a backoff,
  without spending the message's attempts (an outage is not the message's fault);
- any other exception: re-queued through the retry queue after a backoff, dead-lettered with the
  error in its headers once `RetryPolicy.max_attempts` attempts failed;
- the worker dies mid-message: nothing was acked or committed, the broker redelivers, and the
  inbox makes a second delivery of a committed message harmless. A message that keeps killing
  workers is dead-lettered by the queue's x-delivery-limit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pika
import pika.exceptions
from prometheus_client import Counter
from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from shared.events.connection import connect, run_with_reconnect
from shared.events.envelope import Envelope, EnvelopeError, parse_envelope
from shared.events.retry import Backoff, RetryPolicy
from shared.events.topology import Topology, declare, service_queues
from shared.logs import bind_correlation

log = logging.getLogger(__name__)

Handler = Callable[[Session, Envelope], None]
EVENTS_HANDLED = Counter(
    "events_handled_total", "Events taken off a queue, by outcome", ["service", "type", "outcome"]
)
# MariaDB errors that mean "try again later", not "this message is bad".
TRANSIENT_DB_ERRORS = {1053, 1205, 1213, 1927, 2003, 2006, 2013, 2014, 2055, 4031}


class PermanentError(Exception):
    """Raised by a handler for a message that can never succeed: dead-letter it at once."""


@dataclass
class Outcome:
    name: str  # processed | duplicate | ignored | retried | dead_lettered
    error: str | None = None


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
        prefetch: int = 20,
        delivery_limit: int = 10,
    ) -> None:
        self.service, self.session_factory, self.inbox = service, session_factory, inbox
        self.handlers, self.url, self.topology, self.stop = handlers, rabbitmq_url, topology, stop
        self.policy, self.prefetch, self.delivery_limit = policy, prefetch, delivery_limit
        self.queue = topology.queue(service)
        self.connected = threading.Event()
        self._channel: Any = None

    def run(self) -> None:
        run_with_reconnect(
            self._session,
            stop=self.stop,
            what=f"{self.service} consumer",
            on_state=lambda up: self.connected.clear(),
        )

    def _session(self) -> None:
        connection = connect(self.url, name=f"{self.service}-consumer")
        try:
            channel = self._channel = connection.channel()
            declare(
                channel,
                self.topology,
                service_queues(
                    self.topology, self.service, sorted(self.handlers), self.delivery_limit
                ),
            )
            channel.confirm_delivery()
            channel.basic_qos(prefetch_count=self.prefetch)
            self.connected.set()
            for method, properties, body in channel.consume(self.queue, inactivity_timeout=0.5):
                if method is not None:
                    self.deliver(method, properties, body)
                if self.stop.is_set():
                    break
            channel.cancel()  # unacked prefetched messages go back to the queue
        finally:
            self.connected.clear()
            if connection.is_open:
                connection.close()

    def deliver(self, method: Any, properties: pika.BasicProperties, body: bytes) -> Outcome:
        """Handle one delivery to the end: its effects committed or it re-queued, then acked."""
        outcome = self._handle(properties, body)
        self._channel.basic_ack(method.delivery_tag)
        EVENTS_HANDLED.labels(self.service, properties.type or "?", outcome.name).inc()
        return outcome

    def _handle(self, properties: pika.BasicProperties, body: bytes) -> Outcome:
        try:
            event = parse_envelope(body)
        except EnvelopeError as exc:
            log.error("malformed message dead-lettered: %s", exc)
            return self._dead_letter(properties, body, f"malformed: {exc}", "malformed")
        handlers = self.handlers.get(event.type)
        if not handlers:
            return Outcome("ignored")
        with bind_correlation(event.correlation_id, event.id):
            return self._apply_until_done(event, handlers, properties, body)

    def _apply_until_done(
        self,
        event: Envelope,
        handlers: Sequence[Handler],
        properties: pika.BasicProperties,
        body: bytes,
    ) -> Outcome:
        outages = 0
        while True:
            try:
                return self._apply(event, handlers)
            except PermanentError as exc:
                return self._dead_letter(properties, body, repr(exc), "permanent")
            except Exception as exc:
                if is_transient(exc) and self.stop.is_set():
                    raise  # stopping mid-outage: leave the message unacked for redelivery
                if is_transient(exc):
                    outages += 1
                    delay = Backoff(base=0.5, cap=10.0).delay(outages)
                    log.warning(
                        "transient database error on %s, retrying in %.1fs: %s",
                        event.type,
                        delay,
                        exc,
                    )
                    self._channel.connection.sleep(delay)
                    continue
                return self._retry_or_dead_letter(properties, body, exc)

    def _apply(self, event: Envelope, handlers: Sequence[Handler]) -> Outcome:
        with self.session_factory() as session, session.begin():
            try:
                with session.begin_nested():
                    session.execute(
                        insert(self.inbox).values(
                            consumer=self.service,
                            event_id=event.id,
                            event_type=event.type,
                            processed_at=datetime.now(UTC).replace(tzinfo=None),
                        )
                    )
            except IntegrityError:
                return Outcome("duplicate")
            for handler in handlers:
                handler(session, event)
        return Outcome("processed")

    def _retry_or_dead_letter(
        self, properties: pika.BasicProperties, body: bytes, exc: BaseException
    ) -> Outcome:
        attempts = int((properties.headers or {}).get("x-attempts", 0)) + 1
        error = f"{type(exc).__name__}: {exc}"[:1000]
        step, delay = self.policy.next_step(attempts)
        log.warning(
            "handler failed (attempt %d of %d): %s",
            attempts,
            self.policy.max_attempts,
            error,
            exc_info=exc,
        )
        if step == "dead_letter":
            return self._dead_letter(properties, body, error, "retries_exhausted", attempts)
        headers = {**(properties.headers or {}), "x-attempts": attempts, "x-last-error": error}
        self._republish(
            "",
            self.topology.retry_queue(self.service),
            properties,
            body,
            headers,
            expiration=str(int(delay * 1000)),
        )
        return Outcome("retried", error)

    def _dead_letter(
        self,
        properties: pika.BasicProperties,
        body: bytes,
        error: str,
        reason: str,
        attempts: int | None = None,
    ) -> Outcome:
        headers = {
            **(properties.headers or {}),
            "x-error": error[:1000],
            "x-dead-reason": reason,
            "x-dead-at": datetime.now(UTC).isoformat(),
            "x-original-queue": self.queue,
        }
        if attempts is not None:
            headers["x-attempts"] = attempts
        self._republish(self.topology.dead_letter_exchange, self.queue, properties, body, headers)
        return Outcome("dead_lettered", error)

    def _republish(
        self,
        exchange: str,
        routing_key: str,
        properties: pika.BasicProperties,
        body: bytes,
        headers: dict,
        expiration: str | None = None,
    ) -> None:
        """Publish a copy with confirms; the original is acked only after this returns."""
        copy = pika.BasicProperties(
            message_id=properties.message_id,
            type=properties.type,
            content_type=properties.content_type or "application/json",
            delivery_mode=pika.DeliveryMode.Persistent,
            correlation_id=properties.correlation_id,
            headers=headers,
            expiration=expiration,
        )
        self._channel.basic_publish(
            exchange=exchange, routing_key=routing_key, body=body, properties=copy, mandatory=True
        )
