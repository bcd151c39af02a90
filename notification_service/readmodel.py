"""The slim book read model, fed only by book.* events, and what a change means to favourites.

An event applies only when its version is newer than the row's (redeliveries and reordering never
roll a book back). The row is read FOR UPDATE first: the old price and stock are what tell a price
drop, a sell-out and a return to stock, each noticed once (by the event that made the change).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from notification_service.matching import Listing
from notification_service.models import Book
from shared.contract.isbn import isbn13, normalize_isbn
from shared.events.catalogue import BookDeleted, BookFields


@dataclass(frozen=True)
class Change:
    """What an applied book event changed: None before means the book is new to us."""

    before_price: Decimal | None
    before_stock: int | None
    book: Book


def listing(book: Book) -> Listing:
    return Listing(
        book_id=book.book_id,
        seller_id=book.seller_id,
        title=book.title,
        author=book.author,
        isbn13=book.isbn13,
        condition=book.condition,
        price=book.price,
        stock=0 if book.deleted else book.stock,
    )


def _isbn13(raw: str | None) -> str | None:
    try:
        isbn = normalize_isbn(raw)
    except ValueError:
        return None  # the catalogue validates ISBNs; an odd one just never matches a want
    return isbn13(isbn) if isbn else None


def apply_upsert(session: Session, data: BookFields) -> Change | None:
    """Take the event's fields if its version is newer; None when it changed nothing."""
    book = session.get(Book, data.book_id, with_for_update=True)
    if book is not None and book.version >= data.version:
        return None
    before = (None, None) if book is None else (book.price, 0 if book.deleted else book.stock)
    if book is None:
        book = Book(book_id=data.book_id)
        session.add(book)
    book.seller_id, book.title, book.author = data.seller_id, data.title[:200], data.author[:200]
    book.isbn13, book.condition = _isbn13(data.isbn), data.condition
    book.price, book.stock = data.price.quantize(Decimal("0.01")), data.stock
    book.cover_url, book.version, book.deleted = data.cover_url, data.version, False
    session.flush()
    return Change(before_price=before[0], before_stock=before[1], book=book)


def apply_deleted(session: Session, data: BookDeleted) -> None:
    """Tombstone the book (keeping its version): favourites show it gone, wants skip it."""
    book = session.get(Book, data.book_id, with_for_update=True)
    if book is None:
        session.add(
            Book(
                book_id=data.book_id,
                seller_id=data.seller_id,
                title="",
                author="",
                isbn13=None,
                condition="acceptable",
                price=Decimal("0.00"),
                stock=0,
                version=data.version,
                deleted=True,
            )
        )
    elif book.version < data.version:
        book.version, book.deleted, book.stock = data.version, True, 0
