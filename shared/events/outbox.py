"""Transactional outbox: add events inside the caller's transaction; a relay publishes them.

The relay holds a MariaDB named lock (GET_LOCK) while it works, so with several relay replicas on
one outbox exactly one publishes at a time: rows go out in id order and never twice in normal
operation. A row is marked sent only after the broker confirmed it (publisher confirms, mandatory).

The lock is a lease: the relay's lock connection tells the server to drop it after
`LOCK_LEASE_SECONDS` without a statement (`wait_timeout`), and a live relay speaks at least every
`idle_wait` seconds, even while it waits for confirms. So a relay whose process froze (SIGSTOP, a
stalled VM) or whose node vanished without a FIN loses the lock within seconds, and a standby
relay, blocked in GET_LOCK, takes over at once. A relay frozen in the middle of a batch may see
that batch published again by its successor; consumers' inboxes make the copy harmless.

A commit that wrote outbox rows wakes the relay at once (shared/events/nudge.py); `idle_wait` is
only the fallback poll.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pika
import pika.exceptions
from sqlalchemy import Engine, Table, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from shared.db import utcnow
from shared.events import nudge
from shared.events.connection import connect, run_with_reconnect
from shared.events.envelope import Envelope
from shared.events.publisher import ConfirmingPublisher, Message
from shared.events.topology import Topology, declare

log = logging.getLogger(__name__)

LOCK_LEASE_SECONDS = 5  # a silent lock connection is closed by the server after this
LOCK = text("SELECT GET_LOCK(CONCAT(DATABASE(), '.outbox'), :wait)")


def add_event(session: Session, outbox: Table, event: Envelope) -> None:
    """Write `event` to the outbox in the session's current transaction."""
    session.execute(
        insert(outbox).values(
            event_id=event.id,
            event_type=event.type,
            correlation_id=event.correlation_id,
            payload=event.to_json(),
            created_at=utcnow(),
        )
    )
    session.info[nudge.PENDING] = True  # wake the relay when this transaction commits


def backlog(connection: Connection, outbox: Table) -> dict[str, object]:
    """How many events wait to be published, and since when."""
    row = connection.execute(
        select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
    ).one()
    return {"pending": row[0], "oldest_pending_at": row[1].isoformat() + "Z" if row[1] else None}


def properties_for(
    event_id: str, event_type: str, correlation_id: str | None, headers: dict | None = None
) -> pika.BasicProperties:
    """AMQP properties of docs/architecture.md (Events) for one event."""
    return pika.BasicProperties(
        message_id=event_id,
        type=event_type,
        content_type="application/json",
        delivery_mode=pika.DeliveryMode.Persistent,
        correlation_id=correlation_id,
        headers=headers,
    )


def _release_lock(lock_conn: Connection) -> None:
    """Named locks belong to the connection: release it, or drop the connection."""
    try:
        lock_conn.execute(text("SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.outbox'))"))
    except Exception:
        lock_conn.invalidate()


def _open_lock_connection(engine: Engine) -> Connection:
    """A connection of its own (never back to the pool), autocommit, with the lease set."""
    lock_conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    lock_conn.detach()  # its session settings must not reach a pooled connection
    lock_conn.execute(
        text("SET SESSION wait_timeout = :lease, net_write_timeout = :lease"),
        {"lease": LOCK_LEASE_SECONDS},
    )
    return lock_conn


class OutboxRelay:
    """Publishes pending outbox rows, in order, until stopped."""

    def __init__(
        self,
        *,
        engine: Engine,
        outbox: Table,
        rabbitmq_url: str,
        topology: Topology,
        stop: threading.Event,
        batch_size: int = 500,
        idle_wait: float = 1.0,
        name: str = "outbox-relay",
        retention: timedelta = timedelta(days=7),
    ) -> None:
        assert idle_wait < LOCK_LEASE_SECONDS / 2, "the lock connection must speak within its lease"
        self.engine, self.outbox, self.url, self.topology = engine, outbox, rabbitmq_url, topology
        self.stop, self.batch_size, self.idle_wait, self.name = stop, batch_size, idle_wait, name
        self.retention = retention
        self.published = 0
        self.connected = threading.Event()
        self.holds_lock = False
        self.key = engine.url.database or ""
        self._next_purge = 0.0
        self._woken = False
        self._connection: pika.BlockingConnection | None = None

    def run(self) -> None:
        unregister = nudge.register_relay(self.key, self.wake)
        try:
            run_with_reconnect(
                self._session,
                stop=self.stop,
                what=self.name,
                on_down=self.connected.clear,
            )
        finally:
            unregister()

    def wake(self) -> bool:
        """Publish now rather than at the next poll (any thread); True if this relay publishes.

        A standby relay ignores it: it waits in GET_LOCK anyway, and waking every standby on
        every commit would cost a statement and a process wake-up each under load.
        """
        if not self.holds_lock:
            return False
        self._woken = True
        connection = self._connection
        if connection is not None:
            try:
                connection.add_callback_threadsafe(lambda: None)  # ends the relay's wait
            except Exception:  # the connection is closing: the next session polls anyway
                pass
        return self.holds_lock

    def _session(self) -> None:
        connection = connect(self.url, name=self.name)
        try:
            declare(connection.channel(), self.topology)
            self._listen_for_nudges(connection)
            publisher = ConfirmingPublisher(connection)
            lock_conn = _open_lock_connection(self.engine)
            try:
                self._connection = connection
                self.connected.set()
                self._publish_until_stopped(connection, publisher, lock_conn)
            finally:
                self._connection, self.holds_lock = None, False
                _release_lock(lock_conn)
                lock_conn.close()
        finally:
            self.connected.clear()
            if connection.is_open:
                connection.close()

    def _listen_for_nudges(self, connection: pika.BlockingConnection) -> None:
        """An exclusive queue on the nudge exchange that keeps at most one (empty) message."""
        channel = connection.channel()
        nudge.declare_exchange(channel)
        queue = channel.queue_declare(
            "", exclusive=True, auto_delete=True, arguments={"x-max-length": 1}
        ).method.queue
        channel.queue_bind(queue, nudge.EXCHANGE, self.key)
        channel.basic_consume(queue, lambda *_: self.wake(), auto_ack=True)

    def _publish_until_stopped(
        self,
        connection: pika.BlockingConnection,
        publisher: ConfirmingPublisher,
        lock_conn: Connection,
    ) -> None:
        while not self.stop.is_set():
            self._woken = False
            if not self._hold_lock(lock_conn):  # a standby waited up to idle_wait in GET_LOCK
                connection.process_data_events(time_limit=0)  # heartbeats; nudges drained
                continue
            if self._relay_once(lock_conn, publisher):
                continue  # more may have been committed meanwhile: look again at once
            self._purge_now_and_then(lock_conn)
            self._wait(connection)

    def _wait(self, connection: pika.BlockingConnection) -> None:
        """Until a nudge, a wake-up or `idle_wait`; broker heartbeats flow meanwhile."""
        deadline = time.monotonic() + self.idle_wait
        while not self._woken and not self.stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            connection.process_data_events(time_limit=left)

    def _hold_lock(self, lock_conn: Connection) -> bool:
        """True while this relay holds the outbox lock.

        Once taken on this connection the lock stays until the connection ends, and any
        failure of the connection ends this session, so it is asked for only until held. A
        standby relay waits in GET_LOCK itself: it takes over the moment the lock is freed.
        """
        if not self.holds_lock:
            self.holds_lock = bool(lock_conn.execute(LOCK, {"wait": self.idle_wait}).scalar())
        return self.holds_lock

    def _relay_once(self, lock_conn: Connection, publisher: ConfirmingPublisher) -> int:
        rows = lock_conn.execute(
            select(
                self.outbox.c.id,
                self.outbox.c.event_id,
                self.outbox.c.event_type,
                self.outbox.c.correlation_id,
                self.outbox.c.payload,
            )
            .where(self.outbox.c.sent_at.is_(None))
            .order_by(self.outbox.c.id)
            .limit(self.batch_size)
        ).all()
        if not rows:
            return 0
        confirmed = publisher.publish(
            [
                Message(
                    row.id,
                    self.topology.exchange,
                    row.event_type,
                    row.payload.encode("utf-8"),
                    properties_for(row.event_id, row.event_type, row.correlation_id),
                )
                for row in rows
            ],
            keep_alive=lambda: self._keep_lease(lock_conn),
        )
        self._mark_sent(lock_conn, confirmed)
        if len(confirmed) < len(rows):
            failed = rows[len(confirmed)]
            self._record_failure(lock_conn, failed.id, "refused (nack or unroutable)")
            raise pika.exceptions.AMQPError(f"broker refused event {failed.event_id}")
        return len(confirmed)

    def _keep_lease(self, lock_conn: Connection) -> None:
        """Speak on the lock connection while waiting for confirms, so the lease holds."""
        lock_conn.execute(text("SELECT 1"))

    def _purge_now_and_then(self, lock_conn: Connection) -> None:
        """Delete rows sent longer ago than the retention, at most every ten minutes."""
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + 600
        cutoff = utcnow() - self.retention
        lock_conn.execute(delete(self.outbox).where(self.outbox.c.sent_at < cutoff))

    def _mark_sent(self, lock_conn: Connection, ids: list[int]) -> None:
        if not ids:
            return
        lock_conn.execute(
            update(self.outbox)
            .where(self.outbox.c.id.in_(ids))
            .values(sent_at=utcnow(), attempts=self.outbox.c.attempts + 1)
        )
        self.published += len(ids)

    def _record_failure(self, lock_conn: Connection, row_id: int, error: str) -> None:
        lock_conn.execute(
            update(self.outbox)
            .where(self.outbox.c.id == row_id)
            .values(attempts=self.outbox.c.attempts + 1, last_error=error[:500])
        )
