"""catalog_service tables: books, the sellers read model, stock reservations, outbox, inbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, Numeric, String, Text
from sqlalchemy.dialects.mysql import DATETIME
from sqlalchemy.orm import Mapped, mapped_column

from catalog_service.db import Base
from shared.columns import exact
from shared.events import inbox_table, outbox_table

outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)
# Microseconds, so "newest first" is stable for books created in the same second.
MICROS = DateTime().with_variant(DATETIME(fsp=6), "mysql", "mariadb")


class Book(Base):
    """A seller's listing. `stock` is what is still available (reservations already taken off)."""

    __tablename__ = "books"
    __table_args__ = (
        Index("ix_books_listing", "deleted_at", "created_at"),
        Index("ix_books_live_stock", "deleted_at", "stock"),
        Index("ix_books_seller", "seller_id", "created_at"),
        Index("ix_books_category", "category"),
        Index("ix_books_isbn", "isbn"),
        Index("ix_books_price", "price"),
        Index("ix_books_title", "title"),  # exact and prefix titles: "It", suggestions
        Index("ix_books_author", "author"),  # author suggestions
        Index("ft_books_title", "title", mysql_prefix="FULLTEXT", mariadb_prefix="FULLTEXT"),
        Index("ft_books_author", "author", mysql_prefix="FULLTEXT", mariadb_prefix="FULLTEXT"),
        Index(
            "ft_books",
            "title",
            "author",
            "description",
            mysql_prefix="FULLTEXT",
            mariadb_prefix="FULLTEXT",
        ),
    )

    id: Mapped[str] = mapped_column(exact(36), primary_key=True)
    seller_id: Mapped[str] = mapped_column(exact(36))
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200))
    isbn: Mapped[str | None] = mapped_column(String(13))
    category: Mapped[str] = mapped_column(String(60))
    condition: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(35))
    published_year: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    stock: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    cover_hash: Mapped[str | None] = mapped_column(String(64))
    cover_type: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(MICROS)
    updated_at: Mapped[datetime] = mapped_column(MICROS)
    deleted_at: Mapped[datetime | None] = mapped_column(MICROS)


class Seller(Base):
    """Read model of user names, fed by `user.registered` (or a token's name until then)."""

    __tablename__ = "sellers"

    user_id: Mapped[str] = mapped_column(exact(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(10))  # "event" or "token"
    updated_at: Mapped[datetime] = mapped_column(MICROS)


class Reservation(Base):
    """Stock held for one order; keyed by order id so every saga step is idempotent.

    status: reserved -> sold | released; rejected; cancelled (cancel seen before the order).
    """

    __tablename__ = "reservations"

    order_id: Mapped[str] = mapped_column(exact(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(MICROS)
    updated_at: Mapped[datetime] = mapped_column(MICROS)


class Purchase(Base):
    """One book of one paid order (from order.paid and the order's reservation): what
    "bought together" recommendations count. Removed again if the order's stock is released."""

    __tablename__ = "purchases"
    __table_args__ = (Index("ix_purchases_book", "book_id", "order_id"),)

    order_id: Mapped[str] = mapped_column(exact(64), primary_key=True)
    book_id: Mapped[str] = mapped_column(exact(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(MICROS)


class SellerProfile(Base):
    """What a seller's profile shows beyond their name: kept from events (docs/events.md).

    Ratings are a count and a sum (from `review.posted`), sales a count of delivered shipments
    (from `shipment.delivered`); each event is applied once (the consumer's inbox)."""

    __tablename__ = "seller_profiles"

    seller_id: Mapped[str] = mapped_column(exact(36), primary_key=True)
    member_since: Mapped[datetime | None] = mapped_column(MICROS)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    sales_count: Mapped[int] = mapped_column(Integer, default=0)


class SellerReview(Base):
    """A buyer's review of a seller, as `review.posted` told it."""

    __tablename__ = "seller_reviews"
    __table_args__ = (Index("ix_seller_reviews_seller_created", "seller_id", "created_at"),)

    review_id: Mapped[str] = mapped_column(exact(36), primary_key=True)
    seller_id: Mapped[str] = mapped_column(exact(36))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(1000))
    buyer_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(MICROS)


class ShipmentRelease(Base):
    """A cancelled shipment whose stock went back: keyed by shipment, so it happens once."""

    __tablename__ = "shipment_releases"

    shipment_id: Mapped[str] = mapped_column(exact(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(exact(64))
    created_at: Mapped[datetime] = mapped_column(MICROS)
