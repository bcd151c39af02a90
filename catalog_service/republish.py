"""`python -m catalog_service.republish`: every book again as `book.updated` (deleted ones as
`book.deleted`), through the outbox, so read models elsewhere can be rebuilt from scratch.

Versions are not bumped: a read model already holding a version ignores its copy, an empty
one takes it. Safe to run while everything else runs; batches keep transactions short.
"""

from __future__ import annotations

import sys
import uuid

from sqlalchemy import select

from catalog_service import events
from catalog_service.config import from_env
from catalog_service.db import Database
from catalog_service.models import Book
from catalog_service.service import Sessions, seller_names

BATCH = 500


def republish_all(*, sessions: Sessions, batch: int = BATCH) -> int:
    """Write one event per book to the outbox; returns how many."""
    correlation_id, after, count = f"republish-{uuid.uuid4()}", "", 0
    while True:
        with sessions() as session, session.begin():
            books = list(
                session.scalars(select(Book).where(Book.id > after).order_by(Book.id).limit(batch))
            )
            if not books:
                return count
            names = seller_names(session, {book.seller_id for book in books})
            for book in books:
                event = (
                    events.book_updated(book, names.get(book.seller_id, ""))
                    if book.deleted_at is None
                    else events.book_deleted(book)
                )
                events.record(session, event, correlation_id=correlation_id)
            count, after = count + len(books), books[-1].id


def main() -> int:
    db = Database(from_env().database_url)
    count = republish_all(sessions=db.session)
    print(f"republished {count} book(s) to the outbox; the worker's relay sends them")
    db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
