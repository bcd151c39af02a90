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
from sqlalchemy.orm import Session, aliased

from catalog_service.browse import FT_STOPWORDS
from catalog_service.models import Book, Purchase, Reservation
from catalog_service.service import Listing, Sessions, get_book, seller_names
from catalog_service.spelling import words_of
from shared.contract.discovery import RECOMMENDATIONS_PER_ROW
from shared.db import utcnow
from shared.events import Envelope
from shared.events.catalogue import OrderCancelled, OrderPaid, ShipmentCancelled

LIMIT = RECOMMENDATIONS_PER_ROW
CANDIDATES = 60  # similar books are picked from this many nearest in condition and price


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


def forget_shipment_purchases(session: Session, event: Envelope[ShipmentCancelled]) -> None:
    """shipment.cancelled: that seller's books of the order were not bought after all."""
    book_ids = [line.book_id for line in event.data.items]
    if book_ids:
        session.execute(
            delete(Purchase).where(
                Purchase.order_id == event.data.order_id, Purchase.book_id.in_(book_ids)
            )
        )


def _shown(viewer_id: str | None, *exclude: str) -> list[Any]:
    """What every row requires: live, in stock, not the excluded books, not the viewer's."""
    where = [Book.deleted_at.is_(None), Book.stock > 0, Book.id.not_in(exclude)]
    if viewer_id:
        where.append(Book.seller_id != viewer_id)
    return where


def also_bought(session: Session, book: Book, viewer_id: str | None) -> list[Book]:
    """Books in the same paid orders as `book`, the most often bought with it first.

    The counts come from `purchases` alone (the book's orders by index, then their other
    books by primary key), and only those few books are looked up, never a scan of books."""
    mine, other = aliased(Purchase), aliased(Purchase)
    counts = (
        select(other.book_id, func.count().label("together"))
        .join(mine, and_(mine.order_id == other.order_id, mine.book_id == book.id))
        .where(other.book_id != book.id)
        .group_by(other.book_id)
        .subquery()
    )
    stmt = (
        select(Book)
        .select_from(counts)
        .join(Book, Book.id == counts.c.book_id)
        .where(*_shown(viewer_id, book.id))
        .order_by(counts.c.together.desc(), Book.created_at.desc(), Book.id)
        .limit(LIMIT)
        # From the counts to the books, in that order: left alone, the optimizer may start
        # from every live book (its estimate of "deleted_at IS NULL") and join the counts.
        .prefix_with("STRAIGHT_JOIN", dialect="mysql")
        .prefix_with("STRAIGHT_JOIN", dialect="mariadb")
    )
    return list(session.scalars(stmt))


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
    """Same category, other authors: of the CANDIDATES nearest in condition and price, those
    sharing the most title words come first.

    One statement over the category (no FULLTEXT: a title's common words match half the
    catalogue), and the text comparison on a few dozen rows in Python."""
    near = [case((Book.condition == book.condition, 0), else_=1), func.abs(Book.price - book.price)]
    nearest = (
        select(Book.id)
        .where(Book.category == book.category, Book.author != book.author)
        .where(*_shown(viewer_id, book.id))
        .order_by(*near, Book.id)
        .limit(CANDIDATES)
    )
    # Sort ids only, then load those rows: a sort that dragged descriptions along was 10x slower.
    ids = list(session.scalars(nearest))
    rows = {b.id: b for b in session.scalars(select(Book).where(Book.id.in_(ids)))} if ids else {}
    candidates = [rows[i] for i in ids if i in rows]
    words = set(words_of(book.title)) - FT_STOPWORDS
    shared = {c.id: len(words & set(words_of(c.title))) for c in candidates}
    return sorted(candidates, key=lambda c: -shared[c.id])[:LIMIT]  # stable: nearest first


ROWS = {"also_bought": also_bought, "same_author": same_author, "similar": similar}


def recommendations(
    *, sessions: Sessions, book_id: str, viewer_id: str | None = None
) -> dict[str, list[Listing]]:
    """The three rows of a book page; NotFound for an unknown or deleted book."""
    book = get_book(sessions=sessions, book_id=book_id).book
    with sessions() as session:
        rows = {name: row(session, book, viewer_id) for name, row in ROWS.items()}
        names = seller_names(session, {b.seller_id for row in rows.values() for b in row})
    return {
        name: [Listing(b, names.get(b.seller_id, "")) for b in row] for name, row in rows.items()
    }
