"""Fault-injection tier: the whole system (2 replicas of everything) broken under checkout load.

The stack is the e2e tier's `system` fixture (unique databases, broker prefix and ports).
Every test lists fresh books, records their starting stock in one session-wide ledger, runs a
checkout load, injects its fault, and then holds the system to tests.support.invariants over every
book the tier listed so far: a later fault would also show damage an earlier one left behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pika
import pytest
import requests
from sqlalchemy import select

from order_service.models import Book as ReadBook
from shared.events import Topology
from tests.support.invariants import Databases, Report, Scope, settle
from tests.support.system import System, auth_header

BUYERS = 4


@dataclass
class Shop:
    system: System
    seller: dict[str, str]
    buyers: list[str]
    dbs: Databases
    initial: dict[str, int] = field(default_factory=dict)

    def list_books(self, stocks: list[int]) -> list[str]:
        """New listings with these stocks, once the order read model knows them all."""
        ids = []
        for n, stock in enumerate(stocks):
            body = {
                "title": f"Fault Tolerance Vol. {n}",
                "author": "R. Silient",
                "condition": "good",
                "price": "4.50",
                "stock": stock,
            }
            answer = requests.post(
                self.system.api("/api/books"), json=body, headers=self.seller, timeout=10
            )
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
            self.initial[ids[-1]] = stock
        wait_for(lambda: self._read_model_has(ids), timeout=30)
        return ids

    def _read_model_has(self, ids: list[str]) -> bool:
        with self.dbs.order.connect() as conn:
            known = conn.scalars(select(ReadBook.book_id).where(ReadBook.book_id.in_(ids)))
            return len(list(known)) == len(ids)

    def settle(self, timeout: float = 120.0) -> Report:
        return settle(self.dbs, Scope(dict(self.initial)), timeout)

    def dead_letters(self) -> dict[str, int]:
        """Messages waiting in each consuming service's dead-letter queue."""
        topology = Topology(self.system.prefix)
        connection = pika.BlockingConnection(pika.URLParameters(self.system.env["RABBITMQ_URL"]))
        try:
            channel = connection.channel()
            return {
                service: channel.queue_declare(
                    topology.dead_queue(service), passive=True
                ).method.message_count
                for service in ("catalog", "order", "order.books")
            }
        finally:
            connection.close()


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, every: float = 0.3) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(every)


@pytest.fixture(scope="session")
def shop(system: System) -> Iterator[Shop]:  # noqa: F811 (the imported fixture)
    _, seller_token = system.register_and_login("Fault Seller")
    buyers = [system.register_and_login(f"Fault Buyer {i}")[1] for i in range(BUYERS)]
    dbs = Databases(system.env["CATALOG_DATABASE_URL"], system.env["ORDER_DATABASE_URL"])
    try:
        yield Shop(system, auth_header(seller_token), buyers, dbs)
    finally:
        dbs.close()
