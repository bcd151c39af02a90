"""Listing use cases: each opens one transaction, commits once, rolls back on any error."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.orm import Session, sessionmaker

from catalog_service import events
from catalog_service.browse import BrowseQuery, Page, browse_statements
from catalog_service.covers import Cover, CoverStore
from catalog_service.facets import facet_counts
from catalog_service.models import Book, Seller, SellerProfile
from catalog_service.ratings import UNRATED, Rating, rating_of, ratings
from catalog_service.vocabulary import vocabulary
from shared import domain
from shared.contract.catalogue import CATEGORIES
from shared.db import utcnow
from shared.web.tokens import User

Sessions = sessionmaker[Session]


class NotFound(domain.NotFound):
    """No such book, or it was deleted."""

    def __init__(self, book_id: str) -> None:
        super().__init__("No such book.")
        self.book_id = book_id


class NotOwner(domain.NotAllowed):
    """The book belongs to another seller."""

    def __init__(self, book_id: str) -> None:
        super().__init__("Only the seller of this book may change it.")
        self.book_id = book_id


@dataclass(frozen=True)
class Listing:
    book: Book
    seller_name: str
    seller_rating: Rating = UNRATED


@dataclass(frozen=True)
class ListingPage:
    items: list[Listing]
    page: Page
    total: int
    did_you_mean: str | None = None  # the corrected query, when a misspelling was corrected
    facets: dict[str, Any] | None = None  # facet counts, when asked for


def remember_seller(session: Session, *, user_id: str, name: str, source: str) -> None:
    """Upsert a seller's name; a name from `user.registered` is never overwritten by a token's."""
    stmt = mysql_insert(Seller).values(
        user_id=user_id, name=name[:100], source=source, updated_at=utcnow()
    )
    if source == "event":
        stmt = stmt.on_duplicate_key_update(
            name=stmt.inserted.name, source="event", updated_at=stmt.inserted.updated_at
        )
    else:
        stmt = stmt.on_duplicate_key_update(user_id=Seller.user_id)  # keep what is there
    session.execute(stmt)


def seller_names(session: Session, seller_ids: set[str]) -> dict[str, str]:
    if not seller_ids:
        return {}
    rows = session.execute(
        select(Seller.user_id, Seller.name).where(Seller.user_id.in_(seller_ids))
    )
    return {user_id: name for user_id, name in rows}


def _listings(session: Session, books: list[Book]) -> list[Listing]:
    sellers = {book.seller_id for book in books}
    names, rated = seller_names(session, sellers), ratings(session, sellers)
    return [
        Listing(book, names.get(book.seller_id, ""), rated.get(book.seller_id, UNRATED))
        for book in books
    ]


def _live_book(session: Session, book_id: str, *, for_update: bool = False) -> Book:
    stmt = select(Book).where(Book.id == book_id, Book.deleted_at.is_(None))
    book = session.scalars(stmt.with_for_update() if for_update else stmt).first()
    if book is None:
        raise NotFound(book_id)
    return book


def _owned_book(session: Session, user: User, book_id: str) -> Book:
    book = _live_book(session, book_id, for_update=True)
    if book.seller_id != user.id:
        raise NotOwner(book_id)
    return book


def _updated(session: Session, book: Book, correlation_id: str | None) -> Listing:
    """Bump the version, stamp the time and publish the full book, in the caller's transaction."""
    book.version += 1
    book.updated_at = utcnow()
    session.flush()
    listing = _listings(session, [book])[0]
    events.record(
        session, events.book_updated(book, listing.seller_name), correlation_id=correlation_id
    )
    return listing


def create_book(
    *,
    sessions: Sessions,
    seller: User,
    fields: dict[str, Any],
    correlation_id: str | None = None,
    book_id: str | None = None,
) -> Listing:
    """List a new book for sale; the caller is its seller."""
    with sessions() as session, session.begin():
        remember_seller(session, user_id=seller.id, name=seller.name, source="token")
        moment = utcnow()
        book = Book(
            id=book_id or str(uuid.uuid4()),
            seller_id=seller.id,
            currency="USD",
            version=1,
            created_at=moment,
            updated_at=moment,
            **fields,
        )
        session.add(book)
        session.flush()
        listing = _listings(session, [book])[0]
        events.record(
            session, events.book_created(book, listing.seller_name), correlation_id=correlation_id
        )
        return listing


def update_book(
    *,
    sessions: Sessions,
    user: User,
    book_id: str,
    fields: dict[str, Any],
    correlation_id: str | None = None,
) -> Listing:
    """Change any subset of the writable fields; a change that changes nothing is no event."""
    with sessions() as session, session.begin():
        book = _owned_book(session, user, book_id)
        changed = {k: v for k, v in fields.items() if getattr(book, k) != v}
        if not changed:
            return _listings(session, [book])[0]
        for name, value in changed.items():
            setattr(book, name, value)
        return _updated(session, book, correlation_id)


def delete_book(
    *, sessions: Sessions, user: User, book_id: str, correlation_id: str | None = None
) -> None:
    """Soft delete: order history keeps the row; the API and browse no longer see it."""
    with sessions() as session, session.begin():
        book = _owned_book(session, user, book_id)
        book.deleted_at = book.updated_at = utcnow()
        book.version += 1
        events.record(session, events.book_deleted(book), correlation_id=correlation_id)


def set_cover(
    *,
    sessions: Sessions,
    store: CoverStore,
    user: User,
    book_id: str,
    cover: Cover,
    correlation_id: str | None = None,
) -> Listing:
    """Store the (already re-encoded) image and point the book at it."""
    with sessions() as session, session.begin():
        book = _owned_book(session, user, book_id)
        book.cover_hash = store.save(cover)
        book.cover_type = cover.format
        return _updated(session, book, correlation_id)


def get_book(*, sessions: Sessions, book_id: str) -> Listing:
    """A live book with its seller's name, in one statement (the hottest read of the shop)."""
    with sessions() as session:
        row = session.execute(
            select(Book, Seller.name, SellerProfile)
            .outerjoin(Seller, Seller.user_id == Book.seller_id)
            .outerjoin(SellerProfile, SellerProfile.seller_id == Book.seller_id)
            .where(Book.id == book_id, Book.deleted_at.is_(None))
        ).first()
    if row is None:
        raise NotFound(book_id)
    return Listing(row[0], row[1] or "", rating_of(row[2]))


def browse_books(*, sessions: Sessions, query: BrowseQuery) -> ListingPage:
    """A page of books matching the filters (sold-out ones only when asked); a misspelt word
    is searched with its correction too (spelling.py), and facets are counted when asked."""
    known = vocabulary(sessions) if query.q else None
    corrected = known.correct(query.q) if known and query.q else None
    if known and corrected:
        query = replace(query, corrections=tuple(known.alternatives(query.q or "")))
    page_stmt, count_stmt = browse_statements(query)
    with sessions() as session:
        ids = list(session.scalars(page_stmt))
        page = query.page
        if len(ids) < page.per_page and (ids or page.page == 1):
            total = page.offset + len(ids)  # a short page is the last one: no need to count
        else:
            total = session.scalar(count_stmt) or 0
        rows = session.execute(
            select(Book, Seller.name, SellerProfile)
            .outerjoin(Seller, Seller.user_id == Book.seller_id)
            .outerjoin(SellerProfile, SellerProfile.seller_id == Book.seller_id)
            .where(Book.id.in_(ids))
        )
        found = {
            book.id: Listing(book, name or "", rating_of(profile)) for book, name, profile in rows
        }
        facets = facet_counts(session, query) if query.facets else None
        items = [found[i] for i in ids if i in found]
        return ListingPage(items, query.page, total, corrected, facets)


def seller_books(*, sessions: Sessions, user: User, page: Page) -> ListingPage:
    """The caller's own listings, sold-out included, newest first."""
    where = (Book.seller_id == user.id, Book.deleted_at.is_(None))
    with sessions() as session:
        books = list(
            session.scalars(
                select(Book)
                .where(*where)
                .order_by(Book.created_at.desc(), Book.id.desc())
                .limit(page.per_page)
                .offset(page.offset)
            )
        )
        total = session.scalar(select(func.count()).select_from(Book).where(*where)) or 0
        return ListingPage(_listings(session, books), page, total)


def categories(*, sessions: Sessions) -> list[dict[str, Any]]:
    """Every category of the fixed list, in its order, with how many books are for sale."""
    with sessions() as session:
        counts = dict(
            session.execute(
                select(Book.category, func.count())
                .where(Book.deleted_at.is_(None), Book.stock > 0)
                .group_by(Book.category)
            ).all()
        )
    return [{"name": name, "count": int(counts.get(name, 0))} for name in CATEGORIES]


def cover_of(*, sessions: Sessions, store: CoverStore, book_id: str) -> tuple[str, str, Any]:
    """(sha256, mime type, path) of a live book's cover."""
    with sessions() as session:
        book = _live_book(session, book_id)
    if not book.cover_hash or not book.cover_type:
        raise NotFound(book_id)
    path = store.path(book.cover_hash, book.cover_type)
    if not path.exists():
        raise NotFound(book_id)
    return book.cover_hash, book.cover_type, path
