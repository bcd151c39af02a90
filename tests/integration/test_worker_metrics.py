"""What a worker's /metrics tells an operator, against the real broker and database: events
handled, retried and dead-lettered, handling time and lag, dead-letter depth, outbox backlog."""

from __future__ import annotations

import threading
import urllib.request
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from shared.db import utcnow
from shared.events import new_event
from shared.events.metrics import OutboxCollector, QueueDepthCollector
from shared.events.worker import serve_health
from shared.metrics import ReadyCollector
from tests.integration.test_events_reliability import (
    declare_test_queues,
    publish_raw,
    write_events,
)
from tests.support.eventkit import (
    EVENT_TYPE,
    FAILING,
    effect_counts,
    make_consumer,
    make_schema,
    outbox,
    running,
    wait_until,
)
from tests.support.ports import free_port

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def service_db(database_factory):  # type: ignore[no-untyped-def]
    engine, sessions = make_schema(database_factory("metrics"))
    yield engine, sessions
    engine.dispose()


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(sample name, sorted labels): value} from a worker's health port."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return sum(
        v for (n, ls), v in samples.items() if n == name and labels.items() <= dict(ls).items()
    )


def test_a_worker_scrape_shows_retries_dead_letters_latency_and_the_outbox(
    service_db, rabbitmq_url, topology
):  # type: ignore[no-untyped-def]
    engine, sessions = service_db
    queue = topology.queue("test")
    declare_test_queues(rabbitmq_url, topology)
    write_events(sessions, ["a", "b", "c"])  # no relay runs: they wait in the outbox
    with engine.begin() as conn:
        conn.execute(update(outbox).values(created_at=utcnow() - timedelta(seconds=90)))
    port = free_port()
    server = serve_health(
        "127.0.0.1",
        port,
        lambda: True,
        [
            ReadyCollector("test_worker", lambda: True),
            OutboxCollector("test", engine, outbox),
            QueueDepthCollector("test", rabbitmq_url, topology),
        ],
    )
    try:
        assert server.server_address[0] == "127.0.0.1"
        # Counters are per process and labelled by service and type, not by this test's queue:
        # other tests of the session count there too, so compare with a first scrape.
        before = scrape(port)
        poison = new_event(EVENT_TYPE, {"key": "poison"}, producer="test")
        publish_raw(rabbitmq_url, topology, poison.to_json().encode(), poison.id)
        stop = threading.Event()
        consumer = make_consumer(sessions=sessions, url=rabbitmq_url, topology=topology, stop=stop)
        FAILING.set()
        try:
            with running(consumer.run, stop=stop):
                assert wait_until(
                    lambda: value(scrape(port), "events_queue_messages", kind="dead") == 1
                )
        finally:
            FAILING.clear()
        good = new_event(EVENT_TYPE, {"key": "good"}, producer="test")
        publish_raw(rabbitmq_url, topology, good.to_json().encode(), good.id)
        stop = threading.Event()
        consumer = make_consumer(sessions=sessions, url=rabbitmq_url, topology=topology, stop=stop)
        with running(consumer.run, stop=stop):
            assert wait_until(lambda: effect_counts(engine) == {"good": 1})
        samples = scrape(port)
    finally:
        server.shutdown()
        server.server_close()

    handled = {"service": "test", "type": EVENT_TYPE}

    def counted(outcome: str) -> float:
        return value(samples, "events_handled_total", **handled, outcome=outcome) - value(
            before, "events_handled_total", **handled, outcome=outcome
        )

    assert counted("retried") == 2
    assert counted("dead_lettered") == 1
    assert counted("processed") == 1
    assert value(samples, "events_handling_seconds_count", service="test", queue=queue) == 4
    assert value(samples, "events_lag_seconds_count", service="test", queue=queue) == 1
    assert value(samples, "events_queue_messages", queue=topology.dead_queue("test")) == 1
    assert value(samples, "events_queue_messages", kind="work") == 0
    assert value(samples, "outbox_pending_events", service="test") == 3
    assert value(samples, "outbox_oldest_pending_seconds", service="test") >= 90
    assert value(samples, "bookstore_ready", service="test_worker") == 1
