"""notification_service tables: what it learned from events, and what users keep here."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Index, Integer, Numeric, String, Text
from sqlalchemy.dialects.mysql import DATETIME
from sqlalchemy.orm import Mapped, mapped_column

from notification_service.db import Base
from shared.columns import exact
from shared.events import inbox_table, outbox_table

outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)

Money = Numeric(12, 2)
Timestamp = DATETIME(fsp=6)
Id = exact(36)


class User(Base):
    """Contact details from user.registered: where a user's e-mail goes."""

    __tablename__ = "users"
    user_id: Mapped[str] = mapped_column(exact(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))


class Book(Base):
    """The slim read model, fed only by book.* events (version-guarded like order_service's)."""

    __tablename__ = "books"
    book_id: Mapped[str] = mapped_column(Id, primary_key=True)
    seller_id: Mapped[str] = mapped_column(exact(64))
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200), default="")
    isbn13: Mapped[str | None] = mapped_column(String(13), index=True)
    condition: Mapped[str] = mapped_column(String(20))
    price: Mapped[Decimal] = mapped_column(Money)
    stock: Mapped[int] = mapped_column(Integer)
    cover_url: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class OrderParty(Base):
    """Who bought an order (from order.placed): later order events name only the order."""

    __tablename__ = "order_parties"
    order_id: Mapped[str] = mapped_column(exact(64), primary_key=True)
    buyer_id: Mapped[str] = mapped_column(exact(64))
    # With several sellers each part ships (or is cancelled) on its own: that is news too.
    sellers: Mapped[int] = mapped_column(Integer, server_default="1")


class Favourite(Base):
    __tablename__ = "favourites"
    __table_args__ = (Index("ix_favourites_book", "book_id"),)
    user_id: Mapped[str] = mapped_column(exact(64), primary_key=True)
    book_id: Mapped[str] = mapped_column(Id, primary_key=True)
    price_when_added: Mapped[Decimal] = mapped_column(Money)
    added_at: Mapped[datetime] = mapped_column(Timestamp)


class Want(Base):
    """A standing search; `*_key` are the folded texts matching compares (matching.fold)."""

    __tablename__ = "wants"
    __table_args__ = (Index("ix_wants_user", "user_id", "created_at"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    user_id: Mapped[str] = mapped_column(exact(64))
    isbn: Mapped[str | None] = mapped_column(String(13))
    isbn13: Mapped[str | None] = mapped_column(String(13), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str | None] = mapped_column(String(200))
    title_key: Mapped[str | None] = mapped_column(String(200))
    author_key: Mapped[str | None] = mapped_column(String(200))
    max_price: Mapped[Decimal | None] = mapped_column(Money)
    min_condition: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class WantMatch(Base):
    """One row per (want, book), ever: the primary key is the "once" of a match."""

    __tablename__ = "want_matches"
    want_id: Mapped[str] = mapped_column(Id, primary_key=True)
    book_id: Mapped[str] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(Money)
    condition: Mapped[str] = mapped_column(String(20))
    matched_at: Mapped[datetime] = mapped_column(Timestamp)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "created_at"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    user_id: Mapped[str] = mapped_column(exact(64))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    read_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Delivery(Base):
    """An e-mail to send: written with its cause, sent later by the worker (mailer.py)."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "sent_at", "failed", "next_attempt_at"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)  # also the e-mail's Message-ID
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp)
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Preferences(Base):
    """E-mail preferences; a user without a row has every one on (the default)."""

    __tablename__ = "preferences"
    user_id: Mapped[str] = mapped_column(exact(64), primary_key=True)
    orders: Mapped[bool] = mapped_column(Boolean, default=True)
    sales: Mapped[bool] = mapped_column(Boolean, default=True)
    wants: Mapped[bool] = mapped_column(Boolean, default=True)
    favourites: Mapped[bool] = mapped_column(Boolean, default=True)
