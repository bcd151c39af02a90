"""Transactional outbox: add events inside the caller's transaction; a relay publishes them.

The relay holds a MariaDB named lock (GET_LOCK) while it works, so with several relay replicas on
one outbox exactly one publishes at a time: rows go out in id order and never twice in normal
operation. A row is marked sent only after the broker confirmed it (publisher confirms, mandatory).
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
from shared.events.connection import connect, run_with_reconnect
from shared.events.envelope import Envelope
from shared.events.publisher import ConfirmingPublisher, Message
from shared.events.topology import Topology, declare

log = logging.getLogger(__name__)


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


def backlog(connection: Connection, outbox: Table) -> dict[str, object]:
    """How many events wait to be published, and since when."""
    row = connection.execute(
        select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
    ).one()
    return {"pending": row[0], "oldest_pending_at": row[1].isoformat() + "Z" if row[1] else None}


def properties_for(
    event_id: str, event_type: str, correlation_id: str | None, headers: dict | None = None
) -> pika.BasicProperties:
    """AMQP properties of DESIGN.md section 3 for one event."""
    return pika.BasicProperties(
        message_id=event_id,
        type=event_type,
        content_type="application/json",
        delivery_mode=pika.DeliveryMode.Persistent,
        correlation_id=correlation_id,
        headers=headers,
    )


def _release_lock(lock_conn: Connection) -> None:
    """Named locks belong to the connection, not the pool: release it, or drop the connection."""
    try:
        lock_conn.rollback()
        lock_conn.execute(text("SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.outbox'))"))
        lock_conn.commit()
    except Exception:
        lock_conn.invalidate()


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
        idle_wait: float = 0.1,
        name: str = "outbox-relay",
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self.engine, self.outbox, self.url, self.topology = engine, outbox, rabbitmq_url, topology
        self.stop, self.batch_size, self.idle_wait, self.name = stop, batch_size, idle_wait, name
        self.retention = retention
        self.published = 0
        self.connected = threading.Event()
        self._next_purge = 0.0

    def run(self) -> None:
        run_with_reconnect(
            self._session,
            stop=self.stop,
            what=self.name,
            on_down=self.connected.clear,
        )

    def _session(self) -> None:
        connection = connect(self.url, name=self.name)
        try:
            declare(connection.channel(), self.topology)
            publisher = ConfirmingPublisher(connection)
            with self.engine.connect() as lock_conn:
                try:
                    self.connected.set()
                    self._publish_until_stopped(connection, publisher, lock_conn)
                finally:
                    _release_lock(lock_conn)
        finally:
            self.connected.clear()
            if connection.is_open:
                connection.close()

    def _publish_until_stopped(
        self,
        connection: pika.BlockingConnection,
        publisher: ConfirmingPublisher,
        lock_conn: Connection,
    ) -> None:
        while not self.stop.is_set():
            sent = self._relay_once(lock_conn, publisher) if self._hold_lock(lock_conn) else 0
            if sent == 0:
                self._purge_now_and_then(lock_conn)
                connection.sleep(self.idle_wait)  # keeps heartbeats flowing

    def _hold_lock(self, lock_conn: Connection) -> bool:
        """True while this relay holds the outbox lock (taken without waiting if free)."""
        held = lock_conn.execute(
            text("SELECT IS_USED_LOCK(CONCAT(DATABASE(), '.outbox')) = CONNECTION_ID()")
        ).scalar()
        if not held:
            held = lock_conn.execute(
                text("SELECT GET_LOCK(CONCAT(DATABASE(), '.outbox'), 0)")
            ).scalar()
        lock_conn.commit()
        return bool(held)

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
        lock_conn.commit()
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
            ]
        )
        self._mark_sent(lock_conn, confirmed)
        if len(confirmed) < len(rows):
            failed = rows[len(confirmed)]
            self._record_failure(lock_conn, failed.id, "refused (nack or unroutable)")
            raise pika.exceptions.AMQPError(f"broker refused event {failed.event_id}")
        return len(confirmed)

    def _purge_now_and_then(self, lock_conn: Connection) -> None:
        """Delete rows sent longer ago than the retention, at most every ten minutes."""
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + 600
        cutoff = utcnow() - self.retention
        lock_conn.execute(delete(self.outbox).where(self.outbox.c.sent_at < cutoff))
        lock_conn.commit()

    def _mark_sent(self, lock_conn: Connection, ids: list[int]) -> None:
        if not ids:
            return
        lock_conn.execute(
            update(self.outbox)
            .where(self.outbox.c.id.in_(ids))
            .values(sent_at=utcnow(), attempts=self.outbox.c.attempts + 1)
        )
        lock_conn.commit()
        self.published += len(ids)

    def _record_failure(self, lock_conn: Connection, row_id: int, error: str) -> None:
        lock_conn.execute(
            update(self.outbox)
            .where(self.outbox.c.id == row_id)
            .values(attempts=self.outbox.c.attempts + 1, last_error=error[:500])
        )
        lock_conn.commit()
