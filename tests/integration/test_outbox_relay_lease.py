"""The outbox relay's lock is a lease: a frozen relay loses it within seconds, nothing twice.

Issue 18: a relay whose process stops (SIGSTOP, a stalled VM) or whose node vanishes keeps its
TCP connection, and so its MariaDB named lock, for as long as the kernel keeps the connection:
hours. Its lock connection now tells the server to close it after a few silent seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pika
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from shared.events import add_event, new_event, nudge
from shared.events.outbox import LOCK_LEASE_SECONDS
from shared.events.topology import declare
from tests.support.eventkit import EVENT_TYPE, make_relay, make_schema, outbox, wait_until

pytestmark = pytest.mark.timeout(180)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_events(sessions: sessionmaker[Session], count: int, start: int) -> list[str]:
    with sessions.begin() as session:
        events = [
            new_event(EVENT_TYPE, {"key": str(start + n)}, producer="test") for n in range(count)
        ]
        for event in events:
            add_event(session, outbox, event)
    return [event.id for event in events]


def lock_holder(engine) -> int | None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text("SELECT IS_USED_LOCK(CONCAT(DATABASE(), '.outbox'))")).scalar()


@contextmanager
def relay_process(url: str, rabbitmq_url: str, prefix: str) -> Iterator[subprocess.Popen[bytes]]:
    argv = [sys.executable, "-m", "tests.support.relay_process", url, rabbitmq_url, prefix, "A"]
    process = subprocess.Popen(argv, cwd=ROOT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        process.wait(30)


def collect(channel, queue: str, received: list[str], idle: float) -> None:  # type: ignore[no-untyped-def]
    for method, properties, _ in channel.consume(queue, auto_ack=True, inactivity_timeout=idle):
        if method is None:
            break
        received.append(properties.message_id)
    channel.cancel()


def test_a_frozen_relay_loses_the_lock_and_a_standby_publishes_everything_once(
    database_factory, rabbitmq_url, topology
):  # type: ignore[no-untyped-def]
    url = database_factory("lease")
    engine, sessions = make_schema(url)
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    channel = connection.channel()
    declare(channel, topology)
    tap = channel.queue_declare(queue="", exclusive=True).method.queue
    channel.queue_bind(tap, topology.exchange, EVENT_TYPE)
    stop, received = threading.Event(), []
    with relay_process(url, rabbitmq_url, topology.prefix) as frozen:
        assert wait_until(lambda: lock_holder(engine) is not None, timeout=30)
        standby = make_relay(engine=engine, url=rabbitmq_url, topology=topology, stop=stop)
        thread = threading.Thread(target=standby.run, daemon=True)
        thread.start()
        try:
            ids = write_events(sessions, 1, 0)
            collect(channel, tap, received, idle=3)
            assert received == ids and standby.published == 0  # the process published it

            frozen.send_signal(signal.SIGSTOP)  # its connections stay open, silent
            frozen_at = time.monotonic()
            ids += write_events(sessions, 100, 1)
            assert wait_until(lambda: standby.published == 100, timeout=6 * LOCK_LEASE_SECONDS)
            print(f"standby took over {time.monotonic() - frozen_at:.1f} s after the freeze")

            frozen.send_signal(signal.SIGCONT)  # it wakes up without its lock
            ids += write_events(sessions, 10, 101)
            collect(channel, tap, received, idle=2 * LOCK_LEASE_SECONDS)
        finally:
            stop.set()
            thread.join(30)
    connection.close()
    engine.dispose()
    assert received == ids  # every event once, in the order written


def test_a_commit_with_events_wakes_the_relay_and_a_rollback_does_not(
    database_factory,
):  # type: ignore[no-untyped-def]
    engine, sessions = make_schema(database_factory("nudge"))
    woken: list[str] = []
    unregister = nudge.register_relay(engine.url.database or "", lambda: bool(woken.append("!")))
    try:
        with sessions() as session:
            add_event(session, outbox, new_event(EVENT_TYPE, {"key": "1"}, producer="test"))
            session.rollback()
            assert woken == []
            with session.begin():
                add_event(session, outbox, new_event(EVENT_TYPE, {"key": "2"}, producer="test"))
        assert woken == ["!"]
        with sessions.begin() as session:
            session.execute(text("SELECT 1"))  # a commit without events wakes nobody
        assert woken == ["!"]
    finally:
        unregister()
        engine.dispose()
