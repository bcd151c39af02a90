"""catalog_service model -> the events it publishes (never an ORM object on the wire)."""

from __future__ import annotations

from typing import Any

from catalog_service.models import Book, outbox
from catalog_service.presenters import cover_url
from shared.events import Recorder
from shared.events.catalogue import BookCreated, BookDeleted, BookUpdated

record = Recorder("catalog_service", outbox)


def _book_fields(book: Book, seller_name: str) -> dict[str, Any]:
    return {
        "book_id": book.id,
        "seller_id": book.seller_id,
        "seller_name": seller_name,
        "title": book.title,
        "author": book.author,
        "isbn": book.isbn,
        "category": book.category,
        "condition": book.condition,
        "price": book.price,
        "currency": book.currency,
        "stock": book.stock,
        "version": book.version,
        "description": book.description,
        "language": book.language,
        "published_year": book.published_year,
        "cover_url": cover_url(book),
        "created_at": book.created_at,
        "updated_at": book.updated_at,
    }


def book_created(book: Book, seller_name: str) -> BookCreated:
    return BookCreated(**_book_fields(book, seller_name))


def book_updated(book: Book, seller_name: str) -> BookUpdated:
    return BookUpdated(**_book_fields(book, seller_name))


def book_deleted(book: Book) -> BookDeleted:
    return BookDeleted(book_id=book.id, seller_id=book.seller_id, version=book.version)
