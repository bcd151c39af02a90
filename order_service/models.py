"""order_service tables: the book read model, carts, orders and their saga state."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.mysql import DATETIME
from sqlalchemy.orm import Mapped, mapped_column, relationship

from order_service.db import Base
from shared.columns import exact
from shared.events import inbox_table, outbox_table

outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)

Money = Numeric(12, 2)
# Naive UTC with microseconds: timelines need an order finer than one second.
Timestamp = DATETIME(fsp=6)
Id = exact(36)  # byte-exact: shared/columns.py


class Book(Base):
    """The read model: what order_service knows of a catalogue book, fed only by book.* events."""

    __tablename__ = "books"
    book_id: Mapped[str] = mapped_column(Id, primary_key=True)
    seller_id: Mapped[str] = mapped_column(Id)
    seller_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200), default="")
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    stock: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)  # a tombstone keeps the version
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class CartItem(Base):
    __tablename__ = "cart_items"
    user_id: Mapped[str] = mapped_column(Id, primary_key=True)
    book_id: Mapped[str] = mapped_column(Id, primary_key=True, index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)  # the price the buyer saw when adding
    added_at: Mapped[datetime] = mapped_column(Timestamp)


class CartNotice(Base):
    """Something that changed in a cart behind the buyer's back (a book withdrawn)."""

    __tablename__ = "cart_notices"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(Id, index=True)
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_buyer_created", "buyer_id", "created_at"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    buyer_id: Mapped[str] = mapped_column(Id)
    status: Mapped[str] = mapped_column(String(20))
    total: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    payment_brand: Mapped[str] = mapped_column(String(20))
    payment_last4: Mapped[str] = mapped_column(String(4))
    payment_status: Mapped[str] = mapped_column(String(20))
    authorization_id: Mapped[str] = mapped_column(String(64))
    payment_id: Mapped[str | None] = mapped_column(String(64))
    carrier: Mapped[str | None] = mapped_column(String(50))
    tracking_number: Mapped[str | None] = mapped_column(String(50))
    shipped_at: Mapped[datetime | None] = mapped_column(Timestamp)
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    items: Mapped[list[OrderItem]] = relationship(
        lazy="selectin", order_by="OrderItem.id", cascade="all, delete-orphan"
    )
    timeline: Mapped[list[TimelineEntry]] = relationship(
        lazy="selectin", order_by="TimelineEntry.id", cascade="all, delete-orphan"
    )
    # One per seller, created when the order is paid (order_service/shipments.py).
    shipments: Mapped[list[Shipment]] = relationship(
        lazy="selectin", order_by="Shipment.created_at, Shipment.id", cascade="all, delete-orphan"
    )


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (Index("ix_order_items_seller", "seller_id", "order_id"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(Id, ForeignKey("orders.id"))
    book_id: Mapped[str] = mapped_column(Id)
    seller_id: Mapped[str] = mapped_column(Id)
    title: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)


class TimelineEntry(Base):
    __tablename__ = "order_timeline"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(Id, ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(Timestamp)
    reason: Mapped[str | None] = mapped_column(String(300))
    cause: Mapped[str | None] = mapped_column(String(100))  # the event id or request that caused it


class OrderTimer(Base):
    """A due shipping step, kept in the database so a worker restart loses none."""

    __tablename__ = "order_timers"
    __table_args__ = (
        UniqueConstraint("order_id", "kind", name="uq_order_timers_order_kind"),
        Index("ix_order_timers_due", "done_at", "due_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(Id)
    kind: Mapped[str] = mapped_column(String(20))  # ship | deliver
    due_at: Mapped[datetime] = mapped_column(Timestamp)
    done_at: Mapped[datetime | None] = mapped_column(Timestamp)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    user_id: Mapped[str] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(exact(255), primary_key=True)  # "Key" is not "key"
    request_hash: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(Id)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class SimulatedPayment(Base):
    """The simulated provider's own ledger (a real provider keeps this on its side)."""

    __tablename__ = "simulated_payments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the authorization id
    reference: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(20))  # authorized|captured|voided|refunded
    capture_fails: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_id: Mapped[str | None] = mapped_column(String(64))
    captures: Mapped[int] = mapped_column(Integer, default=0)
    refunds: Mapped[int] = mapped_column(Integer, default=0)
    refunded_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class SimulatedRefund(Base):
    """One (possibly partial) refund, keyed by its reference so a replayed one refunds nothing."""

    __tablename__ = "simulated_refunds"
    reference: Mapped[str] = mapped_column(String(64), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(64), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Shipment(Base):
    """The part of a paid order one seller sends (docs/saga.md, Shipments)."""

    __tablename__ = "shipments"
    __table_args__ = (Index("ix_shipments_seller_status", "seller_id", "status", "ship_by"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(Id, ForeignKey("orders.id"), index=True)
    seller_id: Mapped[str] = mapped_column(Id)
    seller_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    carrier: Mapped[str | None] = mapped_column(String(50))
    tracking_number: Mapped[str | None] = mapped_column(String(50))
    ship_by: Mapped[datetime] = mapped_column(Timestamp)
    shipped_at: Mapped[datetime | None] = mapped_column(Timestamp)
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp)
    cancelled_at: Mapped[datetime | None] = mapped_column(Timestamp)
    cancelled_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class ShipmentTimer(Base):
    """A due shipment step (ship_by, auto_ship, deliver), kept in the database like OrderTimer."""

    __tablename__ = "shipment_timers"
    __table_args__ = (
        UniqueConstraint("shipment_id", "kind", name="uq_shipment_timers_shipment_kind"),
        Index("ix_shipment_timers_due", "done_at", "due_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    shipment_id: Mapped[str] = mapped_column(Id)
    kind: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(Timestamp)
    done_at: Mapped[datetime | None] = mapped_column(Timestamp)


class SellerSettings(Base):
    """A seller's choices; the row is also what a payout locks to serialise that seller."""

    __tablename__ = "seller_settings"
    seller_id: Mapped[str] = mapped_column(Id, primary_key=True)
    auto_ship: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class LedgerEntry(Base):
    """An append-only, signed line of a seller's balance (order_service/balance.py)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        # One sale, one commission, one refund per shipment, however often a step is replayed.
        UniqueConstraint("shipment_id", "kind", name="uq_ledger_shipment_kind"),
        Index("ix_ledger_seller_at", "seller_id", "at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    seller_id: Mapped[str] = mapped_column(Id)
    kind: Mapped[str] = mapped_column(String(20))  # sale | commission | refund | payout
    amount: Mapped[Decimal] = mapped_column(Money)
    order_id: Mapped[str | None] = mapped_column(Id)
    shipment_id: Mapped[str | None] = mapped_column(Id)
    payout_id: Mapped[str | None] = mapped_column(Id)
    at: Mapped[datetime] = mapped_column(Timestamp)


class Payout(Base):
    """Money moved out of a seller's available balance (a simulated transfer)."""

    __tablename__ = "payouts"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    seller_id: Mapped[str] = mapped_column(Id, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Review(Base):
    """A buyer's rating of one delivered shipment's seller: one per shipment."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_seller_created", "seller_id", "created_at"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    shipment_id: Mapped[str] = mapped_column(Id, unique=True)
    order_id: Mapped[str] = mapped_column(Id)
    seller_id: Mapped[str] = mapped_column(Id)
    buyer_id: Mapped[str] = mapped_column(Id)
    buyer_name: Mapped[str] = mapped_column(String(200))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
