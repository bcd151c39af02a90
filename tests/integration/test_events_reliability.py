"""The reliability contract (docs/architecture.md), proved against the real broker and database."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pika
import pytest
from sqlalchemy import create_engine, func, select, text

from shared.events import Topology, add_event, new_event
from shared.events.dlq import list_dead_letters, replay_dead_letters
from shared.events.outbox import properties_for
from shared.events.topology import declare, service_queues
from tests.support import eventkit
from tests.support.eventkit import (
    EVENT_TYPE,
    FAILING,
    effect_counts,
    make_consumer,
    make_relay,
    make_schema,
    outbox,
    running,
    wait_until,
)

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def service_db(database_factory):  # type: ignore[no-untyped-def]
    engine, sessions = make_schema(database_factory("events"))
    yield engine, sessions
    engine.dispose()


def write_events(sessions, keys, **extra):  # type: ignore[no-untyped-def]
    """Each key becomes one event, added to the outbox in its own business transaction."""
    events = []
    for key in keys:
        event = new_event(EVENT_TYPE, {"key": str(key), **extra}, producer="test")
        with sessions.begin() as session:
            add_event(session, outbox, event)
        events.append(event)
    return events


def publish_raw(url: str, topology: Topology, body: bytes, event_id: str | None = None) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(
        topology.exchange,
        EVENT_TYPE,
        body,
        properties_for(event_id or "x", EVENT_TYPE, None),
        mandatory=True,
    )
    connection.close()


def declare_test_queues(url: str, topology: Topology) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    declare(connection.channel(), topology, service_queues(topology, "test", [EVENT_TYPE]))
    connection.close()


def broker(action: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", action], check=True, capture_output=True, timeout=120)


def test_events_written_across_a_broker_restart_are_all_delivered_and_applied_once(
    service_db, rabbitmq_url, topology
):  # type: ignore[no-untyped-def]
    engine, sessions = service_db
    stop = threading.Event()
    with running(
        make_relay(engine=engine, url=rabbitmq_url, topology=topology, stop=stop).run,
        make_consumer(sessions=sessions, url=rabbitmq_url, topology=topology, stop=stop).run,
        stop=stop,
    ):
        write_events(sessions, range(0, 70))
        broker("stop_app")
        try:
            write_events(sessions, range(70, 140))  # the business keeps working meanwhile
            time.sleep(2)
        finally:
            broker("start_app")
        write_events(sessions, range(140, 200))
        assert wait_until(lambda: len(effect_counts(engine)) == 200, timeout=120)
    counts = effect_counts(engine)
    assert sorted(counts, key=int) == [str(k) for k in range(200)]
    assert set(counts.values()) == {1}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).where(outbox.c.sent_at.is_(None))).scalar() == 0


def test_the_same_message_delivered_twice_has_its_effect_once(service_db, rabbitmq_url, topology):  # type: ignore[no-untyped-def]
    engine, sessions = service_db
    declare_test_queues(rabbitmq_url, topology)
    event = new_event(EVENT_TYPE, {"key": "twice"}, producer="test")
    for _ in range(2):
        publish_raw(rabbitmq_url, topology, event.to_json().encode(), event.id)
    publish_raw(
        rabbitmq_url,
        topology,
        new_event(EVENT_TYPE, {"key": "after"}, producer="test").to_json().encode(),
    )
    stop = threading.Event()
    with running(
        make_consumer(sessions=sessions, url=rabbitmq_url, topology=topology, stop=stop).run,
        stop=stop,
    ):
        assert wait_until(lambda: "after" in effect_counts(engine))
    assert effect_counts(engine) == {"twice": 1, "after": 1}


def test_a_failing_handler_dead_letters_after_its_attempts_and_a_replay_applies_it_once_fixed(
    service_db, rabbitmq_url, topology
):  # type: ignore[no-untyped-def]
    engine, sessions = service_db
    declare_test_queues(rabbitmq_url, topology)
    event = new_event(EVENT_TYPE, {"key": "poison"}, producer="test")
    publish_raw(rabbitmq_url, topology, event.to_json().encode(), event.id)
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    stop = threading.Event()
    FAILING.set()
    try:
        with running(
            make_consumer(sessions=sessions, url=rabbitmq_url, topology=topology, stop=stop).run,
            stop=stop,
        ):
            assert wait_until(lambda: len(list_dead_letters(connection, topology, "test")) == 1)
    finally:
        FAILING.clear()
    [letter] = list_dead_letters(connection, topology, "test")
    assert letter.message_id == event.id
    assert letter.reason == "retries_exhausted"
    assert letter.attempts == eventkit.FAST_RETRIES.max_attempts
    assert "handler is broken on purpose" in letter.error
    assert effect_counts(engine) == {}

    assert replay_dead_letters(connection, topology, "test") == 1
    stop = threading.Event()
    with running(
        make_consumer(sessions=sessions, url=rabbitmq_url, topology=topology, stop=stop).run,
        stop=stop,
    ):
        assert wait_until(lambda: effect_counts(engine) == {"poison": 1})
    assert list_dead_letters(connection, topology, "test") == []
    connection.close()


def test_a_malformed_message_is_dead_lettered_at_once_and_the_messages_behind_it_still_apply(
    service_db, rabbitmq_url, topology
):  # type: ignore[no-untyped-def]
    engine, sessions = service_db
    declare_test_queues(rabbitmq_url, topology)
    publish_raw(rabbitmq_url, topology, b"{not json at all")
    for key in range(5):
        publish_raw(
            rabbitmq_url,
            topology,
            new_event(EVENT_TYPE, {"key": str(key)}, producer="test").to_json().encode(),
        )
    stop = threading.Event()
    with running(
        make_consumer(sessions=sessions, url=rabbitmq_url, topology=topology, stop=stop).run,
        stop=stop,
    ):
        assert wait_until(lambda: len(effect_counts(engine)) == 5)
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    [letter] = list_dead_letters(connection, topology, "test")
    connection.close()
    assert letter.reason == "malformed"
    assert letter.attempts is None  # never retried
    assert effect_counts(engine) == {str(k): 1 for k in range(5)}


def test_a_worker_killed_mid_handler_gets_the_message_redelivered_and_applied_once(
    service_db, database_factory, rabbitmq_url, topology, tmp_path
):  # type: ignore[no-untyped-def]
    engine, sessions = service_db
    url = engine.url.render_as_string(hide_password=False)
    declare_test_queues(rabbitmq_url, topology)
    stall = tmp_path / "handler-started"
    event = new_event(EVENT_TYPE, {"key": "killed", "stall_file": str(stall)}, producer="test")
    publish_raw(rabbitmq_url, topology, event.to_json().encode(), event.id)
    argv = [
        sys.executable,
        "-m",
        "tests.support.event_worker",
        url,
        rabbitmq_url,
        topology.prefix,
    ]
    victim = subprocess.Popen([*argv, "stall"], cwd=Path(__file__).parents[2])
    try:
        assert wait_until(stall.exists, timeout=60), "the handler never started"
        victim.kill()  # SIGKILL mid-transaction: no commit, no ack
        victim.wait(10)
    finally:
        if victim.poll() is None:
            victim.kill()
    assert effect_counts(engine) == {}  # its transaction died with it
    survivor = subprocess.Popen(argv, cwd=Path(__file__).parents[2])
    try:
        assert wait_until(lambda: effect_counts(engine) == {"killed": 1}, timeout=60)
        time.sleep(1)  # a second, duplicate application would show up here
    finally:
        survivor.terminate()
        survivor.wait(30)
    assert effect_counts(engine) == {"killed": 1}
    assert survivor.returncode == 0  # SIGTERM: a graceful stop


def test_database_connections_killed_by_the_server_mid_stream_lose_and_duplicate_nothing(
    service_db, rabbitmq_url, topology
):  # type: ignore[no-untyped-def]
    engine, sessions = service_db
    declare_test_queues(rabbitmq_url, topology)
    database = engine.url.database
    killer = create_engine(engine.url.set(database=""))
    stop = threading.Event()
    kills = 0
    with running(
        make_consumer(sessions=sessions, url=rabbitmq_url, topology=topology, stop=stop).run,
        stop=stop,
    ):
        for key in range(300):
            event = new_event(EVENT_TYPE, {"key": str(key)}, producer="test")
            publish_raw(rabbitmq_url, topology, event.to_json().encode(), event.id)
            if key % 30 == 0:
                kills += kill_connections(killer, database)
        assert wait_until(lambda: len(effect_counts(engine)) == 300, timeout=120)
    killer.dispose()
    assert kills > 0
    assert set(effect_counts(engine).values()) == {1}


def kill_connections(server, database: str) -> int:  # type: ignore[no-untyped-def]
    """KILL every server connection to `database` (what a failover or an idle reaper does)."""
    with server.connect() as conn:
        ids = (
            conn.execute(
                text("SELECT id FROM information_schema.processlist WHERE db = :db"),
                {"db": database},
            )
            .scalars()
            .all()
        )
        for connection_id in ids:
            conn.execute(text(f"KILL CONNECTION {int(connection_id)}"))
    return len(ids)


def test_operators_list_and_replay_dead_letters_with_the_command_line(
    service_db, rabbitmq_url, topology
):  # type: ignore[no-untyped-def]
    engine, sessions = service_db
    declare_test_queues(rabbitmq_url, topology)
    event = new_event(EVENT_TYPE, {"key": "cli"}, producer="test")
    publish_raw(rabbitmq_url, topology, b"garbage")
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    stop = threading.Event()
    FAILING.set()
    try:
        publish_raw(rabbitmq_url, topology, event.to_json().encode(), event.id)
        with running(
            make_consumer(sessions=sessions, url=rabbitmq_url, topology=topology, stop=stop).run,
            stop=stop,
        ):
            assert wait_until(lambda: len(list_dead_letters(connection, topology, "test")) == 2)
    finally:
        FAILING.clear()
        connection.close()

    def cli(*args: str) -> str:
        env = {**os.environ, "RABBITMQ_URL": rabbitmq_url, "EVENT_PREFIX": topology.prefix}
        done = subprocess.run(
            [sys.executable, "-m", "shared.events", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    listing = cli("dlq", "list", "--service", "test")
    assert "test: 2 dead letter(s)" in listing
    assert event.id in listing and "malformed" in listing and "retries_exhausted" in listing
    assert "replayed 1 message(s)" in cli("dlq", "replay", "--service", "test", "--id", event.id)
    stop = threading.Event()
    with running(
        make_consumer(sessions=sessions, url=rabbitmq_url, topology=topology, stop=stop).run,
        stop=stop,
    ):
        assert wait_until(lambda: effect_counts(engine) == {"cli": 1})
    assert "test: 1 dead letter(s)" in cli("dlq", "list", "--service", "test")  # the garbage
