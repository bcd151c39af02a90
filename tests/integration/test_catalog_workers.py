"""Two real catalog worker processes competing for 50 concurrent orders of a book with 5 left."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
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
from shared.events import Topology, new_event
from shared.events.outbox import properties_for
from shared.events.topology import declare
from shared.web.tokens import User
from tests.integration.test_catalog_api import MIGRATIONS

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


@pytest.fixture
def workers(db: Database, topology: Topology, rabbitmq_url: str, tmp_path: Any) -> Iterator[list]:
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
        yield ports
    finally:
        group.stop()


def order_placed(book_id: str) -> Any:
    order_id = str(uuid.uuid4())
    data = {
        "order_id": order_id,
        "buyer_id": str(uuid.uuid4()),
        "items": [{"book_id": book_id, "seller_id": "s", "quantity": 1, "unit_price": "5.00"}],
        "total": "5.00",
        "currency": "USD",
    }
    return new_event("order.placed", data, producer="order_service", correlation_id=order_id)


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


def test_fifty_concurrent_orders_for_five_books_reserve_exactly_five(
    db: Database, workers: list[int], topology: Topology, rabbitmq_url: str
) -> None:
    owner = User(id=str(uuid.uuid4()), email="s@example.com", name="S", jti="j", exp=0)
    fields = clean_book(
        {"title": "Scarce", "author": "A", "condition": "good", "price": "5", "stock": 5},
        partial=False,
    )
    book_id = service.create_book(sessions=db.session, seller=owner, fields=fields).book.id
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    channel = connection.channel()
    declare(channel, topology)
    probe = channel.queue_declare(queue="", exclusive=True).method.queue
    channel.queue_bind(queue=probe, exchange=topology.exchange, routing_key="stock.*")
    orders = [order_placed(book_id) for _ in range(50)]
    redelivered = orders[:10]  # the same envelopes again: the inbox skips them
    republished = [  # the same orders under new event ids: the reservation key skips them
        dataclasses.replace(o, id=str(uuid.uuid4())) for o in orders[10:20]
    ]
    for event in orders + redelivered + republished:
        channel.basic_publish(
            topology.exchange,
            event.type,
            event.to_json().encode(),
            properties_for(event.id, event.type, event.correlation_id),
        )

    def inbox_count() -> int:
        with db.session() as session:
            return session.scalar(select(func.count()).select_from(inbox)) or 0

    wait_for(lambda: inbox_count() >= 60, what="60 distinct events processed")
    outcomes: dict[str, int] = {}

    def collect() -> bool:
        while (message := channel.basic_get(probe, auto_ack=True))[0] is not None:
            kind = json.loads(message[2])["type"]
            outcomes[kind] = outcomes.get(kind, 0) + 1
        return sum(outcomes.values()) >= 50

    wait_for(collect, what="50 stock outcomes published")
    time.sleep(1)  # anything extra (a double reservation) would show up now
    collect()
    connection.close()
    with db.session() as session:
        book = session.get(Book, book_id)
        statuses = dict(
            session.execute(
                select(Reservation.status, func.count()).group_by(Reservation.status)
            ).all()
        )
    assert outcomes == {"stock.reserved": 5, "stock.rejected": 45}
    assert statuses == {"reserved": 5, "rejected": 45}
    assert book is not None and book.stock == 0 and book.version == 1 + 5
    assert all(handled(port) > 0 for port in workers), "both workers took a share"
