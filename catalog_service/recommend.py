"""Recommendations for a book page: bought together, more by the same author, similar books.

"Bought together" is learnt from events only: when `order.paid` arrives, the order's
reservation (which this service already keeps) names its books, and each becomes a
`purchases` row; a release of that order's stock (`order.cancelled`) removes them again, so
only orders that stayed paid count. Counting both ways is free: a pair is two rows of one order.

Every row holds live, in-stock books, never the book itself nor one of the viewer's own listings.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.mysql import match
from sqlalchemy.orm import Session, aliased

from catalog_service.browse import search_words
from catalog_service.models import Book, Purchase, Reservation
from catalog_service.service import Listing, Sessions, _listings, get_book
from shared.contract.discovery import RECOMMENDATIONS_PER_ROW
from shared.db import utcnow
from shared.events import Envelope
from shared.events.catalogue import OrderCancelled, OrderPaid

LIMIT = RECOMMENDATIONS_PER_ROW


def record_purchases(session: Session, event: Envelope[OrderPaid]) -> None:
    """order.paid (after mark_sold): each book of the sold reservation is one purchase."""
    reservation = session.get(Reservation, event.data.order_id)
    if reservation is None or reservation.status != "sold":
        return  # never reserved, rejected or already released: nothing was bought
    book_ids = sorted({str(item["book_id"]) for item in reservation.items})
    if book_ids:
        moment = utcnow()
        rows = [
            {"order_id": event.data.order_id, "book_id": b, "created_at": moment} for b in book_ids
        ]
        stmt = mysql_insert(Purchase).values(rows)
        session.execute(stmt.on_duplicate_key_update(order_id=stmt.inserted.order_id))


def forget_purchases(session: Session, event: Envelope[OrderCancelled]) -> None:
    """order.cancelled: a cancelled order was not bought after all (refunded if it was paid)."""
    session.execute(delete(Purchase).where(Purchase.order_id == event.data.order_id))


def _shown(viewer_id: str | None, *exclude: str) -> list[Any]:
    """What every row requires: live, in stock, not the excluded books, not the viewer's."""
    where = [Book.deleted_at.is_(None), Book.stock > 0, Book.id.not_in(exclude)]
    if viewer_id:
        where.append(Book.seller_id != viewer_id)
    return where


def also_bought(session: Session, book: Book, viewer_id: str | None) -> list[Book]:
    """Books in the same paid orders as `book`, the most often bought with it first."""
    mine, other = aliased(Purchase), aliased(Purchase)
    together = func.count().label("together")
    stmt = (
        select(Book, together)
        .join(other, other.book_id == Book.id)
        .join(mine, and_(mine.order_id == other.order_id, mine.book_id == book.id))
        .where(*_shown(viewer_id, book.id))
        .group_by(Book.id)
        .order_by(together.desc(), Book.created_at.desc(), Book.id)
        .limit(LIMIT)
    )
    return [row[0] for row in session.execute(stmt)]


def same_author(session: Session, book: Book, viewer_id: str | None) -> list[Book]:
    """More by the same author (the column's collation ignores case and accents), newest first."""
    stmt = (
        select(Book)
        .where(Book.author == book.author, *_shown(viewer_id, book.id))
        .order_by(Book.created_at.desc(), Book.id)
        .limit(LIMIT)
    )
    return list(session.scalars(stmt))


def similar(session: Session, book: Book, viewer_id: str | None) -> list[Book]:
    """Same category, other authors: closest in text first, then same condition, then price."""
    words = search_words(book.title)
    text: Any = (
        match(
            Book.title.expression,
            Book.author.expression,
            Book.description.expression,
            against=words,
        )
        if words
        else None
    )
    order: list[Any] = [] if text is None else [text.desc()]
    order += [
        case((Book.condition == book.condition, 0), else_=1),
        func.abs(Book.price - book.price),
        Book.id,
    ]
    stmt = (
        select(Book)
        .where(
            Book.category == book.category,
            Book.author != book.author,
            *_shown(viewer_id, book.id),
        )
        .order_by(*order)
        .limit(LIMIT)
    )
    return list(session.scalars(stmt))


ROWS = {"also_bought": also_bought, "same_author": same_author, "similar": similar}


def recommendations(
    *, sessions: Sessions, book_id: str, viewer_id: str | None = None
) -> dict[str, list[Listing]]:
    """The three rows of a book page; NotFound for an unknown or deleted book."""
    book = get_book(sessions=sessions, book_id=book_id).book
    with sessions() as session:
        return {
            name: _listings(session, row(session, book, viewer_id)) for name, row in ROWS.items()
        }
