"""The spelling vocabulary of one catalogue, loaded from its books and kept per process.

The words of live titles and authors change slowly and a correction only needs to be close, so
each api process rebuilds its copy at most every `REFRESH_SECONDS` (one light query over two
short columns) instead of every search paying for it. A word new since the last load is still
found by plain search at once; only its misspellings wait for the next refresh.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog_service.models import Book
from catalog_service.spelling import Vocabulary

REFRESH_SECONDS = 300.0
_lock = threading.Lock()
_cache: dict[int, tuple[float, Any, Vocabulary]] = {}  # id(sessions) -> (loaded at, sessions, v)


def load(session: Session) -> Vocabulary:
    """Every word of the live books' titles and authors, with how many books use it."""
    rows = session.execute(select(Book.title, Book.author).where(Book.deleted_at.is_(None)))
    return Vocabulary.of(text for row in rows for text in row)


def vocabulary(sessions: sessionmaker[Session], *, now: float | None = None) -> Vocabulary:
    """This catalogue's vocabulary, loaded when missing or older than REFRESH_SECONDS."""
    moment = time.monotonic() if now is None else now
    entry = _cache.get(id(sessions))
    if entry is not None and moment - entry[0] < REFRESH_SECONDS:
        return entry[2]
    # One loader per process; while it loads, the others keep answering with the old copy.
    if not _lock.acquire(blocking=entry is None):
        return entry[2]  # type: ignore[index]  # not blocking only when there is a copy
    try:
        entry = _cache.get(id(sessions))
        if entry is not None and moment - entry[0] < REFRESH_SECONDS:
            return entry[2]
        with sessions() as session:
            loaded = load(session)
        _cache[id(sessions)] = (moment, sessions, loaded)
        return loaded
    finally:
        _lock.release()


def forget(sessions: sessionmaker[Session]) -> None:
    """Drop the cached copy (tests, and tools that bulk-load books)."""
    _cache.pop(id(sessions), None)
