"""A tiny service used to prove the event library: one `effects` table, one handler.

The handler records one row per event it applies, so "applied exactly once" is a query. It can
be told to fail (`FAILING`) or to stall before committing (data["stall"]) to inject faults.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shared.events import Consumer, Envelope, OutboxRelay, RetryPolicy, Topology
from shared.events.retry import Backoff
from shared.events.tables import inbox_table, outbox_table

metadata = MetaData()
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
effects = Table(
    "effects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(64), nullable=False, index=True),
)

EVENT_TYPE = "test.happened"
FAST_RETRIES = RetryPolicy(max_attempts=3, backoff=Backoff(base=0.05, cap=0.2))
FAILING = threading.Event()  # set: every handler call raises
STALLING = threading.Event()  # set: events with data["stall_file"] hang before their commit


def record_effect(session: Session, event: Envelope) -> None:
    if FAILING.is_set():
        raise RuntimeError("handler is broken on purpose")
    session.execute(insert(effects).values(key=str(event.data["key"])))
    if (stall := event.data.get("stall_file")) and STALLING.is_set():
        Path(stall).touch()  # tells the test the handler is mid-transaction
        time.sleep(60)


HANDLERS = {EVENT_TYPE: [record_effect]}


def make_schema(url: str) -> tuple[Engine, sessionmaker[Session]]:
    engine = create_engine(url, pool_pre_ping=True)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    return engine, sessionmaker(engine)


def effect_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(effects.c.key, func.count()).group_by(effects.c.key)).all()
    return {key: count for key, count in rows}


def make_consumer(
    *,
    sessions: sessionmaker[Session],
    url: str,
    topology: Topology,
    stop: threading.Event,
    policy: RetryPolicy = FAST_RETRIES,
) -> Consumer:
    return Consumer(
        service="test",
        session_factory=sessions,
        inbox=inbox,
        handlers=HANDLERS,
        rabbitmq_url=url,
        topology=topology,
        stop=stop,
        policy=policy,
    )


@contextmanager
def running(*loops: Callable[[], None], stop: threading.Event) -> Iterator[None]:
    """Run each loop in a thread; stop and join them all on exit."""
    threads = [threading.Thread(target=loop, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


def make_relay(
    *, engine: Engine, url: str, topology: Topology, stop: threading.Event, name: str = "relay"
) -> OutboxRelay:
    return OutboxRelay(
        engine=engine, outbox=outbox, rabbitmq_url=url, topology=topology, stop=stop, name=name
    )


def wait_until(condition: Callable[[], bool], timeout: float = 60, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
