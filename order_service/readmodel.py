"""The book read model, fed only by book.* events; a version guard makes them commute.

An upsert applies an event's fields only when its version is newer than the row's, in one
statement (INSERT ... ON DUPLICATE KEY UPDATE), so competing worker replicas, redeliveries and
reordering can never roll a book back. A deletion leaves a tombstone that keeps its version.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import delete, literal_column, select, text
from sqlalchemy.dialects.mysql import insert
from sqlalchemy.orm import Session

from order_service.models import Book, CartItem, CartNotice
from shared.db import utcnow
from shared.events import Envelope
from shared.events.catalogue import BookDeleted, BookFields

FIELDS = ("seller_id", "seller_name", "title", "author", "price", "currency", "stock", "deleted")


def _values(data: BookFields | BookDeleted) -> dict[str, Any]:
    values: dict[str, Any] = {
        "book_id": data.book_id,
        "seller_id": data.seller_id,
        "version": data.version,
        "deleted": isinstance(data, BookDeleted),
        "updated_at": utcnow(),
    }
    if isinstance(data, BookDeleted):
        return {**values, "title": "", "seller_name": "", "author": "", "price": 0, "stock": 0}
    return {
        **values,
        "seller_name": data.seller_name[:200],
        "title": data.title[:200],
        "author": data.author[:200],
        "price": data.price.quantize(Decimal("0.01")),
        "currency": data.currency,
        "stock": data.stock,
    }


def _upsert(session: Session, values: dict[str, Any], fields: tuple[str, ...]) -> None:
    newer = "VALUES(version) > version"
    # `version` must be assigned last (MariaDB evaluates the assignments left to right and the
    # later ones see its new value); a list of pairs keeps this order, a dict would not.
    updates: list[tuple[str, Any]] = [
        (f, literal_column(f"IF({newer}, VALUES({f}), {f})"))
        for f in (*fields, "updated_at", "version")
    ]
    session.execute(insert(Book).values(**values).on_duplicate_key_update(updates))


def apply_book_upserted(session: Session, event: Envelope[BookFields]) -> None:
    """book.created / book.updated: take the new fields if the version is newer."""
    _upsert(session, _values(event.data), FIELDS)


def apply_book_deleted(session: Session, event: Envelope[BookDeleted]) -> None:
    """book.deleted: tombstone the book and take it out of every cart, with a notice."""
    values = _values(event.data)
    title = session.scalar(select(Book.title).where(Book.book_id == values["book_id"]))
    _upsert(session, values, ("deleted", "stock"))
    # Column reads, not ORM objects: they see the row as the upsert left it (no stale identity
    # map, and nothing else the batch's session holds is expired or lost).
    now = session.execute(
        select(Book.deleted, Book.version).where(Book.book_id == values["book_id"])
    ).one()
    if not now.deleted or now.version != values["version"]:
        return  # an older deletion than what we hold: nothing to do
    title = title or "A book"
    users = session.scalars(
        select(CartItem.user_id).where(CartItem.book_id == values["book_id"])
    ).all()
    session.execute(delete(CartItem).where(CartItem.book_id == values["book_id"]))
    for user_id in users:
        session.add(
            CartNotice(
                user_id=user_id,
                message=f"“{title}” was removed from your cart: it is no longer for sale.",
                created_at=utcnow(),
            )
        )


def truncate_books(session: Session) -> None:
    """Empty the read model (the first step of a rebuild)."""
    session.execute(text("DELETE FROM books"))
