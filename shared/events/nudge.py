"""Waking the outbox relay the moment a transaction with events commits.

A relay that only polls makes every hop of the saga wait half a poll on average, and polling
faster costs database statements while nobody shops. So `add_event` marks the session, and when
that session commits, the relay of that outbox is told at once:

- in the same process (a worker whose consumer wrote the rows, and whose relay holds the lock),
  a thread-safe callback interrupts the relay's wait: no I/O at all;
- otherwise (api processes; a worker replica whose relay is on standby), one transient message
  goes to the `bookstore.nudge` direct exchange, routing key = the outbox's database name. Each
  relay binds its own exclusive queue there (at most one message kept), so the relay holding the
  lock, on whatever node, wakes within a broker round trip. The key already tells runs and
  services apart, so the exchange has no `EVENT_PREFIX` and is one object in any broker.

Why the broker: every process already depends on it and it reaches every replica on every node,
where UDP would need the relay's address and MariaDB has no LISTEN/NOTIFY. A nudge carries no
data and losing one costs only latency: the relay still polls (`OutboxRelay.idle_wait`), so a
broker outage or a dropped nudge never loses an event.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import pika
from sqlalchemy import event
from sqlalchemy.orm import Session

from shared.events.connection import OUTAGE_ERRORS, connect

log = logging.getLogger(__name__)

PENDING = "outbox_events_pending"  # Session.info key: this transaction wrote outbox rows
EXCHANGE = "bookstore.nudge"


def declare_exchange(channel: Any) -> None:
    channel.exchange_declare(EXCHANGE, exchange_type="direct", durable=True)


class _Registry:
    """The relays of this process by outbox key, and the broker sender once configured."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.relays: dict[str, set[Callable[[], bool]]] = {}
        self.sender: BrokerNudger | None = None


_registry = _Registry()


def register_relay(key: str, wake: Callable[[], bool]) -> Callable[[], None]:
    """`wake()` returns True when that relay holds its outbox lock (so it will publish)."""
    with _registry.lock:
        _registry.relays.setdefault(key, set()).add(wake)

    def unregister() -> None:
        with _registry.lock:
            _registry.relays.get(key, set()).discard(wake)

    return unregister


def configure(rabbitmq_url: str, *, name: str) -> None:
    """Send nudges this process's own relay cannot take through the broker (idempotent)."""
    with _registry.lock:
        if _registry.sender is None:
            _registry.sender = BrokerNudger(rabbitmq_url, name=name)


def nudge(key: str) -> None:
    """Tell the relay of outbox `key` there is something to publish."""
    with _registry.lock:
        wakes, sender = list(_registry.relays.get(key, ())), _registry.sender
    if any([wake() for wake in wakes]):
        return  # this process's relay holds the lock: it publishes, no broker hop needed
    if sender is not None:
        sender.send(key)


def outbox_key(session: Session) -> str | None:
    """The outbox's identity: the database it lives in (api and worker of a service share it)."""
    bind = session.get_bind()
    return getattr(bind, "url", None) and bind.url.database  # type: ignore[union-attr]


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.pop(PENDING, False):
        return
    try:  # the transaction is committed: a failed nudge must never look like a failed commit
        if key := outbox_key(session):
            nudge(key)
    except Exception:
        log.warning("could not nudge the outbox relay; it will find the events when it polls")


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING, None)


class BrokerNudger:
    """A daemon thread with its own broker connection that publishes nudges, coalesced.

    Started lazily by the first nudge in each (forked) process. While the broker is away nudges
    are dropped: the relays' polling covers them.
    """

    def __init__(self, rabbitmq_url: str, *, name: str) -> None:
        self.url, self.name = rabbitmq_url, name
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._connection: pika.BlockingConnection | None = None
        self._pid: int | None = None

    def send(self, key: str) -> None:
        with self._lock:
            self._pending.add(key)
            if self._pid != os.getpid():  # first use here, or a fork of a process that had it
                self._pid, self._connection = os.getpid(), None
                threading.Thread(target=self._run, name=f"{self.name}-nudger", daemon=True).start()
                return
            connection = self._connection
        if connection is not None:
            try:
                connection.add_callback_threadsafe(lambda: None)  # ends its wait
            except Exception:  # closing under us: the next session sends it
                pass

    def _run(self) -> None:
        while True:
            try:
                self._session()
            except OUTAGE_ERRORS as exc:
                log.debug("nudger lost the broker (%s); nudges wait for the relays' poll", exc)
            except Exception:
                log.exception("nudger failed; restarting")
            with self._lock:
                self._connection = None
                self._pending.clear()  # stale by now: the relays' poll has them
            threading.Event().wait(2.0)

    def _session(self) -> None:
        connection = connect(self.url, name=f"{self.name}-nudger")
        try:
            channel = connection.channel()
            declare_exchange(channel)
            with self._lock:
                self._connection = connection
            while True:
                self._flush(channel)
                connection.process_data_events(time_limit=10)  # heartbeats; woken by send()
        finally:
            if connection.is_open:
                connection.close()

    def _flush(self, channel: Any) -> None:
        with self._lock:
            keys, self._pending = self._pending, set()
        for key in keys:
            channel.basic_publish(EXCHANGE, key, b"")
