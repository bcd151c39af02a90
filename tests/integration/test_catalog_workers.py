"""Two real catalog worker processes competing for 50 concurrent orders of a book with 5 left."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pika
import pytest
from sqlalchemy import func, select

from catalog_service import service
from catalog_service.db import Database
from catalog_service.models import Book, Reservation, inbox
from catalog_service.validation import clean_book
from scripts.stack import PYTHON, ProcessGroup, ProcessSpec
from shared.db import migrate
from shared.events import Envelope, Topology, new_event
from shared.events.outbox import properties_for
from shared.events.topology import declare
from shared.web.tokens import User
from tests.integration.test_catalog_api import MIGRATIONS
from tests.support.ports import free_port

pytestmark = pytest.mark.slow


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=1) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def wait_for(condition: Any, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def db(database_factory: Any) -> Iterator[Database]:
    url = database_factory("catalog_workers")
    migrate(url, MIGRATIONS)
    database = Database(url)
    yield database
    database.engine.dispose()


@dataclasses.dataclass
class Workers:
    group: ProcessGroup
    ports: list[int]


@pytest.fixture
def workers(
    db: Database, topology: Topology, rabbitmq_url: str, tmp_path: Any
) -> Iterator[Workers]:
    ports = [free_port(), free_port()]
    env = {
        **os.environ,
        "CATALOG_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "EVENT_PREFIX": topology.prefix,
        "RABBITMQ_URL": rabbitmq_url,
        "LOG_LEVEL": "WARNING",
    }
    specs = [
        ProcessSpec(
            f"catalog-worker{i}",
            [PYTHON, "-m", "catalog_service.worker"],
            {**env, "WORKER_HEALTH_PORT": str(port)},
            f"http://127.0.0.1:{port}/health/live",
        )
        for i, port in enumerate(ports)
    ]
    group = ProcessGroup(specs, log_dir=tmp_path)
    group.start(timeout=60)
    try:
        wait_for(lambda: all(ready(p) for p in ports), what="workers ready")
        yield Workers(group, ports)
    finally:
        group.stop()


class Broker:
    """A test's side of the broker: publishes like order_service, listens to stock.* events."""

    def __init__(self, url: str, topology: Topology) -> None:
        self.topology = topology
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        declare(self.channel, topology)
        self.probe = self.channel.queue_declare(queue="", exclusive=True).method.queue
        self.channel.queue_bind(self.probe, topology.exchange, routing_key="stock.*")
        self.seen: dict[str, str] = {}  # event id -> type; a relay that crashed between the
        # broker's confirm and marking the row sent publishes it again (at least once), so
        # outcomes are counted by event id, as every consumer's inbox counts them

    def publish(self, events: list[Envelope]) -> None:
        for event in events:
            self.channel.basic_publish(
                self.topology.exchange,
                event.type,
                event.to_json().encode(),
                properties_for(event.id, event.type, event.correlation_id),
            )

    def collect(self) -> int:
        """Take every stock.* event published so far; returns how many distinct ones in all."""
        while (message := self.channel.basic_get(self.probe, auto_ack=True))[0] is not None:
            event = json.loads(message[2])
            self.seen[event["id"]] = event["type"]
        return len(self.seen)

    @property
    def outcomes(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind in self.seen.values():
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def consumers(self) -> int:
        queue = self.topology.queue("catalog")
        return int(self.channel.queue_declare(queue, passive=True).method.consumer_count)

    def dead_letters(self) -> list[dict[str, Any]]:
        letters = []
        queue = self.topology.dead_queue("catalog")
        while (message := self.channel.basic_get(queue, auto_ack=True))[0] is not None:
            letters.append(json.loads(message[2]))
        return letters


@pytest.fixture
def broker(rabbitmq_url: str, topology: Topology) -> Iterator[Broker]:
    broker = Broker(rabbitmq_url, topology)
    yield broker
    broker.connection.close()


def order_placed(book_id: str, quantity: Any = 1) -> Envelope:
    order_id = str(uuid.uuid4())
    data = {
        "order_id": order_id,
        "buyer_id": str(uuid.uuid4()),
        "items": [
            {"book_id": book_id, "seller_id": "s", "quantity": quantity, "unit_price": "5.00"}
        ],
        "total": "5.00",
        "currency": "USD",
    }
    if not isinstance(quantity, int):  # malformed on purpose: an envelope new_event would refuse
        return Envelope(type="order.placed", data=data, producer="order_service")
    return new_event("order.placed", data, producer="order_service", correlation_id=order_id)


def scarce_book(db: Database, stock: int) -> str:
    owner = User(id=str(uuid.uuid4()), email="s@example.com", name="S", jti="j", exp=0)
    fields = clean_book(
        {"title": "Scarce", "author": "A", "condition": "good", "price": "5", "stock": stock},
        partial=False,
    )
    return service.create_book(sessions=db.session, seller=owner, fields=fields).book.id


def handled(port: int) -> float:
    """order.placed events this worker processed, from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("events_handled_total{")
        and 'type="order.placed"' in line
        and 'outcome="processed"' in line
    )


def settled(db: Database, book_id: str) -> tuple[Book, dict[str, int]]:
    with db.session() as session:
        book = session.get(Book, book_id)
        statuses = select(Reservation.status, func.count()).group_by(Reservation.status)
        assert book is not None
        return book, {status: count for status, count in session.execute(statuses)}


def processed(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(inbox)) or 0


def test_fifty_concurrent_orders_for_five_books_reserve_exactly_five(
    db: Database, workers: Workers, broker: Broker
) -> None:
    book_id = scarce_book(db, 5)
    wait_for(lambda: broker.consumers() == 2, what="both workers consuming")
    orders = [order_placed(book_id) for _ in range(50)]
    redelivered = orders[:10]  # the same envelopes again: the inbox skips them
    republished = [  # the same orders under new event ids: the reservation key skips them
        dataclasses.replace(o, id=str(uuid.uuid4())) for o in orders[10:20]
    ]
    broker.publish(orders + redelivered + republished)
    wait_for(lambda: processed(db) >= 60, what="60 distinct events processed")
    wait_for(lambda: broker.collect() >= 50, what="50 stock outcomes published")
    time.sleep(1)  # anything extra (a double reservation) would show up now
    broker.collect()
    book, statuses = settled(db, book_id)
    assert broker.outcomes == {"stock.reserved": 5, "stock.rejected": 45}
    assert statuses == {"reserved": 5, "rejected": 45}
    assert book.stock == 0 and book.version == 1 + 5
    # Both workers consumed the queue (asserted before publishing); how the broker split the
    # work is its business, so only the sum is checked.
    assert sum(handled(port) for port in workers.ports) == 60


def test_a_worker_killed_mid_stream_loses_and_doubles_nothing(
    db: Database, workers: Workers, broker: Broker
) -> None:
    book_id = scarce_book(db, 20)
    wait_for(lambda: broker.consumers() == 2, what="both workers consuming")
    broker.publish([order_placed(book_id) for _ in range(80)])
    wait_for(lambda: processed(db) >= 10, what="the first orders processed")
    workers.group.signal("catalog-worker0", signal.SIGKILL)  # unacked messages go back
    broker.publish([order_placed(book_id, quantity="2")])  # malformed: dead-lettered at once
    wait_for(lambda: processed(db) >= 80, what="every order processed by the survivor")
    wait_for(lambda: broker.collect() >= 80, what="80 stock outcomes published")
    time.sleep(1)
    broker.collect()
    book, statuses = settled(db, book_id)
    assert statuses == {"reserved": 20, "rejected": 60} and book.stock == 0
    assert broker.outcomes == {"stock.reserved": 20, "stock.rejected": 60}
    letters = wait_for_value(broker.dead_letters)
    assert [letter["data"]["items"][0]["quantity"] for letter in letters] == ["2"]


def wait_for_value(probe: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        if time.monotonic() > deadline:
            raise TimeoutError("nothing arrived")
        time.sleep(0.2)
    return value
