"""Stock reservation handlers on a real MariaDB: all or nothing, idempotent by order id."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text

from catalog_service import service
from catalog_service.consumers import HANDLERS
from catalog_service.db import Database
from catalog_service.models import Book, Reservation
from catalog_service.validation import clean_book
from shared.db import migrate
from shared.events import Envelope, EnvelopeError, new_event
from shared.web.tokens import User
from tests.integration.test_catalog_api import MIGRATIONS


@pytest.fixture(scope="module")
def db(database_factory: Any) -> Iterator[Database]:
    url = database_factory("catalog_stock")
    migrate(url, MIGRATIONS)
    database = Database(url)
    yield database
    database.engine.dispose()


def seller() -> User:
    return User(id=str(uuid.uuid4()), email="s@example.com", name="Token Name", jti="j", exp=0)


def new_book(db: Database, stock: int, owner: User | None = None) -> str:
    raw = {"title": "Stock", "author": "A", "condition": "good", "price": 5, "stock": stock}
    fields = clean_book(raw, partial=False)
    listing = service.create_book(sessions=db.session, seller=owner or seller(), fields=fields)
    return listing.book.id


def handle(db: Database, event_type: str, data: dict[str, Any]) -> Envelope:
    """Run the handlers as the consumer does: one transaction per delivery."""
    event = new_event(event_type, data, producer="order_service")
    with db.session() as session, session.begin():
        for handler in HANDLERS[event_type]:
            handler(session, event)
    return event


def placed(order_id: str, *items: tuple[str, int]) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "buyer_id": str(uuid.uuid4()),
        "items": [
            {"book_id": b, "seller_id": "s", "quantity": q, "unit_price": "5.00"} for b, q in items
        ],
        "total": "0.00",
        "currency": "USD",
    }


def cancelled(order_id: str) -> dict[str, Any]:
    return {"order_id": order_id, "buyer_id": "b", "reason": "buyer", "stock_was_reserved": True}


def paid(order_id: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "buyer_id": "b",
        "amount": "5.00",
        "currency": "USD",
        "payment_id": "p",
    }


def stock_of(db: Database, *book_ids: str) -> list[tuple[int, int]]:
    """(stock, version) of each book."""
    with db.session() as session:
        rows = {b.id: (b.stock, b.version) for b in session.scalars(select(Book))}
    return [rows[b] for b in book_ids]


def status_of(db: Database, order_id: str) -> str | None:
    with db.session() as session:
        reservation = session.get(Reservation, order_id)
        return reservation.status if reservation else None


def emitted(db: Database, order_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(type, data) of every stock.* event about this order, and book.updated it caused."""
    with db.engine.connect() as conn:
        payloads = conn.execute(text("SELECT payload FROM outbox ORDER BY id")).scalars().all()
    events = [json.loads(p) for p in payloads]
    return [(e["type"], e["data"]) for e in events if e["correlation_id"] == order_id]


def handle_for(db: Database, order_id: str, event_type: str, data: dict[str, Any]) -> None:
    event = new_event(event_type, data, producer="order_service", correlation_id=order_id)
    with db.session() as session, session.begin():
        for handler in HANDLERS[event_type]:
            handler(session, event)


def test_an_order_that_cannot_be_met_in_full_reserves_nothing(db: Database) -> None:
    a, b = new_book(db, 3), new_book(db, 1)
    before = stock_of(db, a, b)
    order = str(uuid.uuid4())
    handle_for(db, order, "order.placed", placed(order, (a, 2), (b, 2)))
    assert stock_of(db, a, b) == before and status_of(db, order) == "rejected"
    [(kind, data)] = emitted(db, order)
    assert kind == "stock.rejected" and data["reason"] == "insufficient_stock"
    assert {i["book_id"]: (i["requested"], i["available"]) for i in data["items"]} == {
        a: (2, 3),
        b: (2, 1),
    }


def test_an_order_that_can_be_met_takes_every_item_and_bumps_versions(db: Database) -> None:
    a, b = new_book(db, 3), new_book(db, 1)
    order = str(uuid.uuid4())
    handle_for(db, order, "order.placed", placed(order, (a, 2), (b, 1)))
    assert stock_of(db, a, b) == [(1, 2), (0, 2)] and status_of(db, order) == "reserved"
    kinds = [kind for kind, _ in emitted(db, order)]
    assert kinds == ["stock.reserved", "book.updated", "book.updated"]
    updates = {
        d["book_id"]: (d["stock"], d["version"])
        for k, d in emitted(db, order)
        if k == "book.updated"
    }
    assert updates == {a: (1, 2), b: (0, 2)}


def test_the_same_book_twice_in_one_order_counts_once_per_line(db: Database) -> None:
    a = new_book(db, 3)
    order = str(uuid.uuid4())
    handle_for(db, order, "order.placed", placed(order, (a, 2), (a, 2)))
    assert stock_of(db, a) == [(3, 1)] and status_of(db, order) == "rejected"


def test_unknown_and_deleted_books_are_rejected_as_unavailable(db: Database) -> None:
    owner = seller()
    gone = new_book(db, 5, owner)
    service.delete_book(sessions=db.session, user=owner, book_id=gone)
    order = str(uuid.uuid4())
    handle_for(db, order, "order.placed", placed(order, (gone, 1), (str(uuid.uuid4()), 1)))
    [(kind, data)] = emitted(db, order)
    assert kind == "stock.rejected" and data["reason"] == "book_unavailable"
    assert {i["available"] for i in data["items"]} == {0}


def test_a_repeated_order_placed_changes_nothing(db: Database) -> None:
    a = new_book(db, 5)
    order = str(uuid.uuid4())
    for _ in range(3):  # three deliveries, each with its own event id
        handle_for(db, order, "order.placed", placed(order, (a, 2)))
    assert stock_of(db, a) == [(3, 2)]
    assert [k for k, _ in emitted(db, order)] == ["stock.reserved", "book.updated"]


def test_a_cancelled_order_gives_its_stock_back_exactly_once(db: Database) -> None:
    a = new_book(db, 5)
    order = str(uuid.uuid4())
    handle_for(db, order, "order.placed", placed(order, (a, 2)))
    for _ in range(2):
        handle_for(db, order, "order.cancelled", cancelled(order))
    assert stock_of(db, a) == [(5, 3)] and status_of(db, order) == "released"
    kinds = [k for k, _ in emitted(db, order)]
    assert kinds == ["stock.reserved", "book.updated", "stock.released", "book.updated"]
    handle_for(db, order, "order.placed", placed(order, (a, 2)))  # a late duplicate
    assert stock_of(db, a) == [(5, 3)]


def test_a_paid_order_stays_sold_and_a_later_cancel_still_returns_stock(db: Database) -> None:
    a = new_book(db, 2)
    order = str(uuid.uuid4())
    handle_for(db, order, "order.placed", placed(order, (a, 1)))
    handle_for(db, order, "order.paid", paid(order))
    handle_for(db, order, "order.paid", paid(order))
    assert status_of(db, order) == "sold" and stock_of(db, a) == [(1, 2)]
    handle_for(db, order, "order.cancelled", cancelled(order))  # refunded after payment
    assert status_of(db, order) == "released" and stock_of(db, a) == [(2, 3)]
    handle_for(db, order, "order.paid", paid(order))  # out of order: changes nothing
    assert status_of(db, order) == "released"


def test_a_cancel_that_overtakes_its_order_blocks_the_reservation(db: Database) -> None:
    a = new_book(db, 2)
    order = str(uuid.uuid4())
    handle_for(db, order, "order.cancelled", cancelled(order))
    handle_for(db, order, "order.placed", placed(order, (a, 1)))
    assert stock_of(db, a) == [(2, 1)] and status_of(db, order) == "cancelled"
    assert emitted(db, order) == []


def test_a_payment_for_an_unknown_order_is_ignored(db: Database) -> None:
    order = str(uuid.uuid4())
    handle_for(db, order, "order.paid", paid(order))
    assert status_of(db, order) is None


def test_seller_names_come_from_user_registered_over_the_token(db: Database) -> None:
    owner = seller()
    book_id = new_book(db, 1, owner)
    assert service.get_book(sessions=db.session, book_id=book_id).seller_name == "Token Name"
    handle(db, "user.registered", {"user_id": owner.id, "email": "x@y.z", "name": "Real Name"})
    new_book(db, 1, owner)  # a later token name does not overwrite the registered one
    assert service.get_book(sessions=db.session, book_id=book_id).seller_name == "Real Name"
    with pytest.raises(EnvelopeError, match="name"):  # never reaches the handler
        handle(db, "user.registered", {"user_id": owner.id, "email": "x@y.z", "name": ""})
