"""Matching wants against the book model, both ways: a new or changed listing against every
want (from book.* events), and a new want against every listing (at once, when it is created).

A match is a `want_matches` row whose primary key (want, book) makes it once-only, ever; each
new match also records `want.matched` for anyone interested.
"""

from __future__ import annotations

from sqlalchemy import and_, false, func, literal, or_, select
from sqlalchemy.orm import Session

from notification_service import events
from notification_service.matching import Listing, WantRule, fold, matching
from notification_service.models import Book, Want, WantMatch
from notification_service.readmodel import listing
from shared.db import utcnow
from shared.events import Envelope
from shared.events.catalogue import WantMatched


def rule(want: Want) -> WantRule:
    return WantRule(
        want_id=want.id,
        user_id=want.user_id,
        isbn13=want.isbn13,
        title_key=want.title_key,
        author_key=want.author_key,
        max_price=want.max_price,
        min_condition=want.min_condition,
    )


def candidate_wants(session: Session, book: Listing) -> list[WantRule]:
    """Wants that may match `book`, narrowed in SQL; matching.py has the last word.

    The database compares the folded title and author with each want's folded words (a LIKE
    per row, in C), so only likely matches cross the wire; a `%` or `_` in a want's words can
    only let extra rows through, which matching.py then refuses.
    """
    title, author = fold(book.title), fold(book.author)
    contains = lambda key, text: or_(  # noqa: E731
        key.is_(None), literal(text).like(func.concat("%", key, "%"))
    )
    by_text = and_(
        Want.isbn13.is_(None),
        or_(Want.title_key.is_not(None), Want.author_key.is_not(None)),
        contains(Want.title_key, title),
        contains(Want.author_key, author),
    )
    by_isbn = Want.isbn13 == book.isbn13 if book.isbn13 else false()
    rows = session.execute(
        select(
            Want.id,
            Want.user_id,
            Want.isbn13,
            Want.title_key,
            Want.author_key,
            Want.max_price,
            Want.min_condition,
        ).where(
            or_(by_isbn, by_text),
            Want.user_id != book.seller_id,
            or_(Want.max_price.is_(None), Want.max_price >= book.price),
        )
    ).all()
    return [WantRule(*row) for row in rows]


def new_matches(
    session: Session, wants: list[WantRule], book: Listing, *, cause: Envelope | None = None
) -> list[WantRule]:
    """Record each want `book` matches for the first time; returns those (to notify)."""
    found = matching(wants, book)
    if not found:
        return []
    ids = [want.want_id for want in found]
    seen = set(
        session.scalars(
            select(WantMatch.want_id).where(
                WantMatch.book_id == book.book_id, WantMatch.want_id.in_(ids)
            )
        )
    )
    fresh = [want for want in found if want.want_id not in seen]
    now = utcnow()
    for want in fresh:
        session.add(
            WantMatch(
                want_id=want.want_id,
                book_id=book.book_id,
                title=book.title,
                price=book.price,
                condition=book.condition,
                matched_at=now,
            )
        )
        data = WantMatched(want_id=want.want_id, user_id=want.user_id, book_id=book.book_id)
        if cause is not None:
            events.record(session, data, cause=cause)
        else:
            events.record(session, data, correlation_id=want.want_id)
    return fresh


def listings_for(session: Session, want: WantRule, *, limit: int = 500) -> list[Listing]:
    """Listings in stock that may match a new want (SQL narrows, matching.py decides)."""
    query = select(Book).where(
        Book.deleted.is_(False), Book.stock > 0, Book.seller_id != want.user_id
    )
    if want.isbn13:
        query = query.where(Book.isbn13 == want.isbn13)
    # The database's collation (utf8mb4_unicode_ci) ignores case and accents, as fold() does.
    for key, column in ((want.title_key, Book.title), (want.author_key, Book.author)):
        if key:
            query = query.where(column.contains(key, autoescape=True))
    return [listing(book) for book in session.scalars(query.limit(limit))]
