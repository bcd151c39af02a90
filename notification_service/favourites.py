"""Favourite use cases: heart (idempotent), un-heart, list with today's price and stock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from notification_service.models import Book, Favourite
from shared.db import utcnow
from shared.domain import Conflict, NotFound


@dataclass(frozen=True)
class FavouriteView:
    book: Book
    price_when_added: Decimal
    added_at: datetime


@dataclass(frozen=True)
class Page:
    items: list[FavouriteView]
    total: int


def add_favourite(*, sessions: sessionmaker[Session], user_id: str, book_id: str) -> FavouriteView:
    """Heart a book (a second time changes nothing); 404 unknown or deleted, 409 one's own."""
    with sessions() as session, session.begin():
        book = session.get(Book, book_id.lower())
        if book is None or book.deleted:
            raise NotFound("No such book.")
        if book.seller_id == user_id:
            raise Conflict("You cannot favourite your own listing.")
        # INSERT IGNORE: two hearts at once (a double click) make one favourite, never a 500.
        row = {"user_id": user_id, "book_id": book.book_id}
        values = {**row, "price_when_added": book.price, "added_at": utcnow()}
        session.execute(insert(Favourite).values(**values).prefix_with("IGNORE"))
        kept = session.execute(
            # a current (shared-lock) read: a concurrent insert is newer than our snapshot
            select(Favourite.price_when_added, Favourite.added_at)
            .filter_by(**row)
            .with_for_update(read=True)
        ).one()
        return FavouriteView(book, kept.price_when_added, kept.added_at)


def remove_favourite(*, sessions: sessionmaker[Session], user_id: str, book_id: str) -> None:
    with sessions() as session, session.begin():
        session.execute(
            delete(Favourite).where(
                Favourite.user_id == user_id, Favourite.book_id == book_id.lower()
            )
        )


def list_favourites(
    *, sessions: sessionmaker[Session], user_id: str, page: int, per_page: int
) -> Page:
    """Newest first; a deleted book stays listed (at stock 0) until the user removes it."""
    with sessions() as session:
        total = session.scalar(select(func.count()).where(Favourite.user_id == user_id)) or 0
        rows = session.execute(
            select(Favourite, Book)
            .join(Book, Book.book_id == Favourite.book_id)
            .where(Favourite.user_id == user_id)
            .order_by(Favourite.added_at.desc(), Favourite.book_id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        return Page([FavouriteView(b, f.price_when_added, f.added_at) for f, b in rows], total)
