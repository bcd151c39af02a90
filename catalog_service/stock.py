"""Stock reservations: the single point of truth for stock (docs/saga.md).

Every step is keyed by order id (the `reservations` row), so duplicates, redeliveries and
replicas change nothing: an order is reserved or rejected once, released once, sold once.
Stock moves only through conditional UPDATEs (`stock >= q`), all items of an order in one
transaction, in book id order (fewer deadlocks; a deadlock is retried by the consumer anyway).

These run inside the consumer's transaction (the handler contract of shared.events.Consumer),
which has already decoded each event into its class: a malformed one never reaches them.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog_service import events
from catalog_service.models import Book, Reservation
from catalog_service.service import seller_names
from shared.db import utcnow
from shared.events import Envelope
from shared.events.catalogue import (
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    RejectedLine,
    StockLine,
    StockRejected,
    StockReleased,
    StockReserved,
)

log = logging.getLogger(__name__)
Items = list[tuple[str, int]]  # (book_id, quantity), sorted by book id


def wanted_items(placed: OrderPlaced) -> Items:
    """The order's items summed per book, in book id order."""
    totals: dict[str, int] = {}
    for line in placed.items:
        totals[line.book_id] = totals.get(line.book_id, 0) + line.quantity
    return sorted(totals.items())


def _claim(session: Session, order_id: str, status: str, items: Items) -> bool:
    """Insert the order's reservation row; False if one exists (this step already happened)."""
    moment = utcnow()
    try:
        with session.begin_nested():
            session.execute(
                insert(Reservation).values(
                    order_id=order_id,
                    status=status,
                    items=[{"book_id": b, "quantity": q} for b, q in items],
                    created_at=moment,
                    updated_at=moment,
                )
            )
    except IntegrityError:
        return False
    return True


def _move_stock(session: Session, book_id: str, delta: int, *, live_only: bool) -> bool:
    """stock += delta (never below zero) and version + 1; False if the row did not qualify."""
    where = [Book.id == book_id, Book.stock + delta >= 0]
    if live_only:
        where.append(Book.deleted_at.is_(None))
    result = session.execute(
        update(Book)
        .where(*where)
        .values(stock=Book.stock + delta, version=Book.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def _publish_books(session: Session, book_ids: list[str], cause: Envelope[Any]) -> None:
    """`book.updated` for each live book whose stock just moved (fresh rows, new versions)."""
    books = list(
        session.scalars(
            select(Book)
            .where(Book.id.in_(book_ids), Book.deleted_at.is_(None))
            .execution_options(populate_existing=True)
        )
    )
    names = seller_names(session, {book.seller_id for book in books})
    for book in books:
        events.record(
            session, events.book_updated(book, names.get(book.seller_id, "")), cause=cause
        )


def _availability(session: Session, items: Items) -> tuple[str, list[RejectedLine]]:
    rows = session.execute(
        select(Book.id, Book.stock).where(
            Book.id.in_([b for b, _ in items]), Book.deleted_at.is_(None)
        )
    )
    stock = {book_id: count for book_id, count in rows}
    reason = "book_unavailable" if len(stock) < len(items) else "insufficient_stock"
    return reason, [
        RejectedLine(book_id=b, requested=q, available=stock.get(b, 0)) for b, q in items
    ]


def reserve_stock(session: Session, event: Envelope[OrderPlaced]) -> None:
    """order.placed: take every item's stock or none, then say which."""
    order_id, items = event.data.order_id, wanted_items(event.data)
    if not _claim(session, order_id, "reserved", items):
        log.info("order %s already has a reservation: order.placed skipped", order_id)
        return
    taken = session.begin_nested()
    if all(_move_stock(session, b, -q, live_only=True) for b, q in items):
        taken.commit()
        events.record(session, StockReserved(order_id=order_id, items=_lines(items)), cause=event)
        _publish_books(session, [b for b, _ in items], event)
        return
    taken.rollback()  # all or nothing: give back what the earlier items took
    reason, detail = _availability(session, items)
    _set_status(session, order_id, "rejected")
    events.record(
        session, StockRejected(order_id=order_id, reason=reason, items=detail), cause=event
    )


def release_stock(session: Session, event: Envelope[OrderCancelled]) -> None:
    """order.cancelled: give reserved (or sold) stock back exactly once."""
    order_id = event.data.order_id
    if _claim(session, order_id, "cancelled", []):
        return  # cancelled before its order.placed arrived: that one will now be skipped
    reservation = _locked(session, order_id)
    if reservation.status not in ("reserved", "sold"):
        return
    items = [(i["book_id"], int(i["quantity"])) for i in reservation.items]
    for book_id, quantity in items:
        _move_stock(session, book_id, quantity, live_only=False)
    _set_status(session, order_id, "released")
    events.record(session, StockReleased(order_id=order_id, items=_lines(items)), cause=event)
    _publish_books(session, [b for b, _ in items], event)


def mark_sold(session: Session, event: Envelope[OrderPaid]) -> None:
    """order.paid: the reserved stock is sold for good (it stays off the shelf)."""
    order_id = event.data.order_id
    reservation = session.get(Reservation, order_id, with_for_update=True)
    if reservation is None:
        log.warning("order.paid for order %s that holds no reservation: ignored", order_id)
        return
    if reservation.status == "reserved":
        _set_status(session, order_id, "sold")


def _locked(session: Session, order_id: str) -> Reservation:
    reservation = session.get(Reservation, order_id, with_for_update=True, populate_existing=True)
    assert reservation is not None  # _claim just proved the row exists
    return reservation


def _set_status(session: Session, order_id: str, status: str) -> None:
    session.execute(
        update(Reservation)
        .where(Reservation.order_id == order_id)
        .values(status=status, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _lines(items: Items) -> list[StockLine]:
    return [StockLine(book_id=b, quantity=q) for b, q in items]
