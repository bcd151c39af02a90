"""The order service as real processes (2 api + 2 worker) beside a scripted catalogue.

The order integration tests get `order_stack` through tests/integration/conftest.py. The
catalogue is a small in-test stand-in that keeps the event contract of the README's saga: it
consumes order.* from its own queue, reserves all-or-nothing and
answers stock.reserved / stock.rejected (+ book.updated with a new version), and releases on
order.cancelled, once per order.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pika
import pika.exceptions
import pytest
import requests
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from scripts.stack import PYTHON, ROOT, ProcessGroup, ProcessSpec, gunicorn, healthy
from shared.events import Envelope, new_event, parse_envelope
from shared.events.connection import connect, run_with_reconnect
from shared.events.outbox import properties_for
from shared.events.topology import Topology, declare
from tests.support.namespace import RUN_ID, delete_topology
from tests.support.ports import free_port
from tests.support.tokens import TokenMinter

SHIPPING_DELAY, DELIVERY_DELAY, PENDING_TIMEOUT = 1.5, 1.0, 8.0
GOOD_CARD, DECLINED_CARD, CAPTURE_FAILS = "4242424242424242", "4000000000000002", "4000000000000341"


def publish(url: str, topology: Topology, event: Envelope) -> None:
    """Publish one envelope to the exchange the way an outbox relay does."""
    for attempt in range(60):  # rides out a broker restart by another suite
        try:
            connection = connect(url, name="order-tests")
            break
        except pika.exceptions.AMQPError:
            time.sleep(0.5 if attempt < 59 else 0)
    else:
        raise AssertionError("the broker stayed unreachable")
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(
            exchange=topology.exchange,
            routing_key=event.type,
            body=event.to_json().encode(),
            properties=properties_for(event.id, event.type, event.correlation_id),
            mandatory=True,
        )
    finally:
        connection.close()


class FakeCatalogue(threading.Thread):
    """Reserves stock for order.placed and releases it for order.cancelled, like catalog does."""

    def __init__(self, url: str, topology: Topology) -> None:
        super().__init__(daemon=True)
        self.url, self.topology = url, topology
        self.queue = f"{topology.prefix}fakecatalog.events"
        self.books: dict[str, dict[str, Any]] = {}
        self.reservations: dict[str, str] = {}  # order id -> reserved | rejected | released
        self.seen: list[Envelope] = []
        self.sent: list[Envelope] = []
        self.silent: set[str] = set()  # books whose orders get no answer (a stuck catalogue)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        # Other suites restart the broker now and then: reconnect like a real service would.
        run_with_reconnect(self._session, stop=self.stop, what="fake catalogue")

    def _session(self) -> None:
        connection = connect(self.url, name="fake-catalogue")
        try:
            channel = connection.channel()
            declare(channel, self.topology)
            channel.queue_declare(queue=self.queue, durable=True)
            for key in ("order.#", "shipment.#", "review.#"):
                channel.queue_bind(
                    queue=self.queue, exchange=self.topology.exchange, routing_key=key
                )
            channel.confirm_delivery()
            self.ready.set()
            for method, _props, body in channel.consume(self.queue, inactivity_timeout=0.1):
                if method is not None:
                    self._deliver(channel, parse_envelope(body))
                    channel.basic_ack(method.delivery_tag)
                if self.stop.is_set():
                    channel.queue_delete(queue=self.queue)
                    break
        finally:
            if connection.is_open:
                connection.close()

    def _deliver(self, channel: Any, event: Envelope) -> None:
        with self.lock:
            if any(seen.id == event.id for seen in self.seen):
                return  # a redelivery after a broker restart
        replies = self.handle(event)
        with self.lock:
            self.sent.extend(replies)
        for reply in replies:
            channel.basic_publish(
                exchange=self.topology.exchange,
                routing_key=reply.type,
                body=reply.to_json().encode(),
                properties=properties_for(reply.id, reply.type, reply.correlation_id),
            )

    def handle(self, event: Envelope) -> list[Envelope]:
        with self.lock:
            self.seen.append(event)
            order_id = event.data.get("order_id")
            books = {i.get("book_id") for i in event.data.get("items") or []}
            if event.type == "order.placed" and books & self.silent:
                return []
            if event.type == "order.placed" and order_id not in self.reservations:
                return self._reserve(event)
            if event.type == "shipment.cancelled" and self.reservations.get(order_id) == "reserved":
                return self._move(event, event.data["items"], +1)  # that part back on the shelf
            if event.type == "order.cancelled":
                if self.reservations.get(order_id) == "reserved":
                    return self._release(event)
                self.reservations.setdefault(order_id, "released")
        return []

    def _reserve(self, event: Envelope) -> list[Envelope]:
        items = event.data["items"]
        stock = {i["book_id"]: self.books.get(i["book_id"], {}).get("stock", 0) for i in items}
        short = [i for i in items if stock[i["book_id"]] < i["quantity"]]
        if short:
            self.reservations[event.data["order_id"]] = "rejected"
            detail = [
                {
                    "book_id": i["book_id"],
                    "requested": i["quantity"],
                    "available": stock[i["book_id"]],
                }
                for i in items
            ]
            data = {
                "order_id": event.data["order_id"],
                "reason": "insufficient_stock",
                "items": detail,
            }
            return [event.caused("stock.rejected", data, producer="catalog_service")]
        self.reservations[event.data["order_id"]] = "reserved"
        return [
            event.caused("stock.reserved", _items(event), producer="catalog_service"),
            *self._move(event, items, -1),
        ]

    def _release(self, event: Envelope) -> list[Envelope]:
        placed = next(
            e
            for e in self.seen
            if e.type == "order.placed" and e.data["order_id"] == event.data["order_id"]
        )
        self.reservations[event.data["order_id"]] = "released"
        left = self._unreleased(placed)
        return [
            event.caused(
                "stock.released",
                {"order_id": event.data["order_id"], "items": left},
                producer="catalog_service",
            ),
            *self._move(event, left, +1),
        ]

    def _unreleased(self, placed: Envelope) -> list[dict[str, Any]]:
        """The order's copies not yet given back by a cancelled shipment (as catalog keeps it)."""
        held: dict[str, int] = {}
        for item in placed.data["items"]:
            held[item["book_id"]] = held.get(item["book_id"], 0) + item["quantity"]
        for seen in self.seen:
            if (
                seen.type == "shipment.cancelled"
                and seen.data["order_id"] == placed.data["order_id"]
            ):
                for item in seen.data["items"]:
                    held[item["book_id"]] -= item["quantity"]
        return [{"book_id": b, "quantity": q} for b, q in held.items() if q > 0]

    def _move(self, event: Envelope, items: list[dict], sign: int) -> list[Envelope]:
        replies = []
        for item in items:
            book = self.books[item["book_id"]]
            book["stock"] += sign * item["quantity"]
            book["version"] += 1
            replies.append(event.caused("book.updated", dict(book), producer="catalog_service"))
        return replies

    def events(
        self, event_type: str, order_id: str, *, wait_for: int = 0, timeout: float = 10
    ) -> list[Envelope]:
        """The order's events of this type seen so far (waiting until there are `wait_for`)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [
                    e
                    for e in self.seen
                    if e.type == event_type and e.data.get("order_id") == order_id
                ]
            if len(found) >= wait_for or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


def _items(event: Envelope) -> dict[str, Any]:
    return {
        "order_id": event.data["order_id"],
        "items": [
            {"book_id": i["book_id"], "quantity": i["quantity"]} for i in event.data["items"]
        ],
    }


@dataclass
class OrderStack:
    apis: list[str]
    database_url: str
    engine: Engine
    topology: Topology
    rabbitmq_url: str
    catalogue: FakeCatalogue
    group: ProcessGroup
    minter: TokenMinter
    _turn: int = 0

    @property
    def api(self) -> str:
        self._turn += 1
        return self.apis[self._turn % len(self.apis)]

    def token(self, user_id: str, name: str = "Reader") -> str:
        return self.minter.token(user_id, name, exp=int(time.time()) + 3600)

    def user(self, name: str = "Reader") -> tuple[str, dict[str, str]]:
        user_id = str(uuid.uuid4())
        return user_id, {"Authorization": f"Bearer {self.token(user_id, name)}"}

    def seller(self, seller_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(seller_id, 'Seller')}"}

    def set_auto_ship(self, seller_id: str, on: bool) -> None:
        response = requests.put(
            f"{self.api}/api/me/seller-settings",
            json={"auto_ship": on},
            headers=self.seller(seller_id),
            timeout=5,
        )
        assert response.json() == {"auto_ship": on}, response.text

    def publish(self, event: Envelope) -> Envelope:
        publish(self.rabbitmq_url, self.topology, event)
        return event

    def list_book(
        self,
        seller_id: str,
        *,
        stock: int = 5,
        price: str = "12.50",
        title: str = "Dune",
        auto_ship: bool = True,
    ) -> str:
        """A catalogue book, announced with book.created; waits until the read model has it.

        Its seller has the simulated carrier ship for them unless `auto_ship` is False."""
        self.set_auto_ship(seller_id, auto_ship)
        book_id = str(uuid.uuid4())
        data = {
            "book_id": book_id,
            "seller_id": seller_id,
            "seller_name": "Seller",
            "title": title,
            "author": "Frank Herbert",
            "isbn": None,
            "category": "fiction",
            "condition": "good",
            "price": price,
            "currency": "USD",
            "stock": stock,
            "version": 1,
        }
        with self.catalogue.lock:
            self.catalogue.books[book_id] = dict(data)
        self.publish(new_event("book.created", data, producer="catalog_service"))
        self.wait_for_book(book_id, lambda row: row is not None)
        return book_id

    def wait_for_book(self, book_id: str, check: Callable[[Any], bool], timeout: float = 10) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            with self.engine.connect() as conn:
                row = (
                    conn.exec_driver_sql("SELECT * FROM books WHERE book_id = %s", (book_id,))
                    .mappings()
                    .first()
                )
            if check(row) or time.monotonic() > deadline:
                assert check(row), f"read model row for {book_id}: {row}"
                return row
            time.sleep(0.05)

    def order(
        self, headers: dict[str, str], *, card: str = GOOD_CARD, key: str | None = None, **body: Any
    ) -> requests.Response:
        payload = {
            **body,
            "shipping_address": ADDRESS,
            "payment": {
                "card_number": card,
                "exp_month": 12,
                "exp_year": 2030,
                "cvc": "123",
                "holder": "Ada Reader",
            },
        }
        extra = {"Idempotency-Key": key} if key else {}
        return requests.post(
            f"{self.api}/api/orders", json=payload, headers={**headers, **extra}, timeout=15
        )

    def wait_status(
        self, headers: dict[str, str], order_id: str, *statuses: str, timeout: float = 15
    ) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            order = requests.get(
                f"{self.api}/api/orders/{order_id}", headers=headers, timeout=5
            ).json()
            if order.get("status") in statuses or time.monotonic() > deadline:
                assert order.get("status") in statuses, json.dumps(order, indent=1)
                return order
            time.sleep(0.05)

    def scalar(self, sql: str, *params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(sql, params).scalar()


ADDRESS = {
    "name": "Ada Reader",
    "line1": "1 Library Lane",
    "city": "Lyon",
    "postal_code": "69001",
    "country": "FR",
}


def _specs(env: dict[str, str]) -> tuple[list[ProcessSpec], list[str], list[str]]:
    specs, apis, ready = [], [], []
    for i in range(2):
        port = free_port()
        apis.append(f"http://127.0.0.1:{port}")
        specs.append(
            ProcessSpec(
                f"order-api{i}", gunicorn("order_service", port), env, f"{apis[-1]}/health/live"
            )
        )
        health = free_port()
        ready.append(f"http://127.0.0.1:{health}/health/ready")
        specs.append(
            ProcessSpec(
                f"order-worker{i}",
                [PYTHON, "-m", "order_service.worker"],
                {**env, "WORKER_HEALTH_PORT": str(health)},
                f"http://127.0.0.1:{health}/health/live",
            )
        )
    return specs, apis, ready


def running_order_stack(
    database_factory: Callable[[str], str],
    rabbitmq_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[OrderStack]:
    """Start the order stack, yield it, stop it (the session fixture builds on this)."""
    url = database_factory("orders_it")
    topology = Topology(f"{RUN_ID}.orders.")
    minter = TokenMinter.create(tmp_path_factory.mktemp("order_keys"))
    env = {
        **os.environ,
        "ORDER_DATABASE_URL": url,
        "RABBITMQ_URL": rabbitmq_url,
        "EVENT_PREFIX": topology.prefix,
        "JWT_PUBLIC_KEY_FILE": str(minter.public_file),
        "SHIPPING_DELAY_SECONDS": str(SHIPPING_DELAY),
        "DELIVERY_DELAY_SECONDS": str(DELIVERY_DELAY),
        "ORDER_PENDING_TIMEOUT_SECONDS": str(PENDING_TIMEOUT),
        "FOLLOW_REVOCATIONS": "false",  # no auth_service here: tokens are minted by the test
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "16",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run([PYTHON, "-m", "order_service.migrate"], env=env, cwd=ROOT, check=True)
    catalogue = FakeCatalogue(rabbitmq_url, topology)
    catalogue.start()
    assert catalogue.ready.wait(30)
    specs, apis, ready = _specs(env)
    group = ProcessGroup(specs, log_dir=ROOT / "var/log/it" / RUN_ID / "orders")
    try:
        group.start(timeout=60)
        _wait_ready(ready)
        yield OrderStack(
            apis, url, create_engine(url), topology, rabbitmq_url, catalogue, group, minter
        )
    finally:
        group.stop()
        catalogue.stop.set()
        catalogue.join(5)
        delete_topology(rabbitmq_url, topology.prefix, services=("order", "order.books"))


def _wait_ready(urls: list[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not all(healthy(u) for u in urls):
        assert time.monotonic() < deadline, "order workers never became ready"
        time.sleep(0.2)


def republish_main(books_file: str) -> None:
    """`python -m tests.support.order_harness <books.json>`: the stand-in catalogue's
    republish command (what `python -m catalog_service.republish` does for the real one)."""
    topology = Topology(os.environ["EVENT_PREFIX"])
    for book in json.loads(Path(books_file).read_text()):
        event = new_event("book.updated", book, producer="catalog_service")
        publish(os.environ["RABBITMQ_URL"], topology, event)


if __name__ == "__main__":
    import sys

    republish_main(sys.argv[1])
