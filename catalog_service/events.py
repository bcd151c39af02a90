"""Model -> outgoing event data (never publish ORM objects), and writing them to the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from catalog_service.models import Book, outbox
from catalog_service.present import cover_url, iso
from catalog_service.validation import format_money
from shared.events import Envelope, add_event, new_event

PRODUCER = "catalog_service"


def book_data(book: Book, seller_name: str) -> dict[str, Any]:
    """Full data of `book.created` / `book.updated` (DESIGN.md section 3, plus extras)."""
    return {
        "book_id": book.id,
        "seller_id": book.seller_id,
        "seller_name": seller_name,
        "title": book.title,
        "author": book.author,
        "isbn": book.isbn,
        "category": book.category,
        "condition": book.condition,
        "price": format_money(book.price),
        "currency": book.currency,
        "stock": book.stock,
        "version": book.version,
        "description": book.description,
        "language": book.language,
        "published_year": book.published_year,
        "cover_url": cover_url(book),
        "created_at": iso(book.created_at),
        "updated_at": iso(book.updated_at),
    }


def book_deleted_data(book: Book) -> dict[str, Any]:
    return {"book_id": book.id, "seller_id": book.seller_id, "version": book.version}


def publish(
    session: Session,
    event_type: str,
    data: dict[str, Any],
    *,
    correlation_id: str | None = None,
    cause: Envelope | None = None,
) -> Envelope:
    """Write one event to the outbox in the session's transaction."""
    if cause is not None:
        event = cause.caused(event_type, data, producer=PRODUCER)
    else:
        event = new_event(event_type, data, producer=PRODUCER, correlation_id=correlation_id)
    add_event(session, outbox, event)
    return event
