"""Shipments: one per seller of a paid order, and the order status they imply (docs/saga.md).

A shipment moves by its own small table (`SHIPMENT_TRANSITIONS`); after every move the order
follows through the saga's transition table (`follow_shipments`): `shipped` once every shipment
not cancelled has shipped, `delivered` once all of those are delivered, `cancelled` if all are
cancelled. Every step here runs in the caller's transaction with the order row locked first
(then its shipment), the one lock order of api, consumers and timers.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from order_service import balance, events
from order_service.models import Book, Order, SellerSettings, Shipment, ShipmentTimer
from order_service.payments import PaymentProvider
from order_service.saga import transition
from shared.contract.fulfilment import (
    COMMISSION_PERCENT_DEFAULT,
    PAYOUT_HOLD_SECONDS_DEFAULT,
    SHIP_BY_SECONDS_DEFAULT,
)
from shared.db import utcnow

SHIPMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "awaiting_shipment": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"delivered"}),
    "delivered": frozenset(),
    "cancelled": frozenset(),
}
CARRIERS = ("UPS", "DHL", "FedEx", "USPS")
MISSED_SHIP_BY = "not shipped by the ship-by date"


@dataclass(frozen=True)
class Fulfilment:
    """The fulfilment settings (order_service/config.py reads them)."""

    ship_by_seconds: float = SHIP_BY_SECONDS_DEFAULT
    auto_ship_delay_seconds: float = 10.0  # SHIPPING_DELAY_SECONDS: the simulated carrier
    delivery_delay_seconds: float = 10.0
    commission_percent: Decimal = Decimal(COMMISSION_PERCENT_DEFAULT)
    payout_hold_seconds: float = PAYOUT_HOLD_SECONDS_DEFAULT


def derived_status(statuses: Iterable[str]) -> str | None:
    """The order status its shipments imply, or None while some are still awaiting shipment."""
    live = [s for s in statuses if s != "cancelled"]
    if not live:
        return "cancelled"
    if all(s == "delivered" for s in live):
        return "delivered"
    if all(s in ("shipped", "delivered") for s in live):
        return "shipped"
    return None


def move(shipment: Shipment, to: str) -> bool:
    """Move a shipment if its table allows it now; False (nothing changed) otherwise."""
    if to not in SHIPMENT_TRANSITIONS[shipment.status]:
        return False
    shipment.status, shipment.updated_at = to, utcnow()
    return True


def open_shipments(session: Session, order: Order, settings: Fulfilment) -> list[Shipment]:
    """Paid: one shipment per seller, its ledger credit, its ship-by (and auto-ship) timer."""
    now = utcnow()
    subtotals: dict[str, Decimal] = {}
    for item in order.items:
        subtotals[item.seller_id] = subtotals.get(item.seller_id, Decimal(0)) + (
            item.unit_price * item.quantity
        )
    names = _seller_names(session, [item.book_id for item in order.items])
    auto = set(
        session.scalars(
            select(SellerSettings.seller_id).where(
                SellerSettings.seller_id.in_(list(subtotals)), SellerSettings.auto_ship.is_(True)
            )
        )
    )
    opened = []
    for seller_id, subtotal in subtotals.items():
        shipment = Shipment(
            id=str(uuid.uuid4()),
            order_id=order.id,
            seller_id=seller_id,
            seller_name=names.get(seller_id, ""),
            status="awaiting_shipment",
            subtotal=subtotal,
            ship_by=now + timedelta(seconds=settings.ship_by_seconds),
            created_at=now,
            updated_at=now,
        )
        order.shipments.append(shipment)
        session.flush()
        balance.credit_sale(session, shipment, settings.commission_percent)
        _timer(session, shipment, "ship_by", shipment.ship_by)
        if seller_id in auto:
            due = now + timedelta(seconds=settings.auto_ship_delay_seconds)
            _timer(session, shipment, "auto_ship", due)
        else:  # a seller who ships by hand is told (notification_service: shipment_due)
            events.record(
                session, events.shipment_awaiting(order, shipment), correlation_id=order.id
            )
        opened.append(shipment)
    return opened


def ship(
    session: Session,
    order: Order,
    shipment: Shipment,
    *,
    carrier: str,
    tracking_number: str,
    settings: Fulfilment,
    cause: str,
) -> bool:
    """The seller (or the simulated carrier) sent it; the carrier delivers it after its delay."""
    if not move(shipment, "shipped"):
        return False
    shipment.carrier, shipment.tracking_number = carrier, tracking_number
    shipment.shipped_at = utcnow()
    data = events.shipment_shipped(order, shipment)
    events.record(session, data, correlation_id=order.id)
    due = utcnow() + timedelta(seconds=settings.delivery_delay_seconds)
    _timer(session, shipment, "deliver", due)
    follow_shipments(session, order, cause=cause)
    return True


def simulated_carrier(shipment: Shipment) -> tuple[str, str]:
    """A carrier and tracking number for an auto-shipping seller."""
    carrier = CARRIERS[int(shipment.id[:8], 16) % len(CARRIERS)]
    return carrier, f"{carrier[:2].upper()}{secrets.token_hex(8).upper()}"


def deliver(session: Session, order: Order, shipment: Shipment, *, cause: str) -> bool:
    """It reached the buyer: its money becomes available after the hold."""
    if not move(shipment, "delivered"):
        return False
    shipment.delivered_at = utcnow()
    data = events.shipment_delivered(order, shipment)
    events.record(session, data, correlation_id=order.id)
    follow_shipments(session, order, cause=cause)
    return True


def cancel(
    session: Session,
    order: Order,
    shipment: Shipment,
    *,
    reason: str,
    provider: PaymentProvider | None,
    cause: str,
) -> bool:
    """Not sent: its stock goes back (catalog, on shipment.cancelled), its part is refunded.

    `provider` None: the caller refunds the whole order itself (the buyer's cancel)."""
    if not move(shipment, "cancelled"):
        return False
    shipment.cancelled_at, shipment.cancelled_reason = utcnow(), reason[:300]
    refund = shipment.subtotal
    if provider is not None and order.payment_id:
        provider.refund(payment_id=order.payment_id, amount=refund, reference=f"shp_{shipment.id}")
        order.payment_status = "partially_refunded"
    balance.reverse_sale(session, shipment)
    data = events.shipment_cancelled(order, shipment, refund_amount=refund)
    events.record(session, data, correlation_id=order.id)
    if provider is not None:
        follow_shipments(session, order, cause=cause)
    return True


def follow_shipments(session: Session, order: Order, *, cause: str) -> None:
    """Bring the order to the status its shipments imply, one allowed transition at a time."""
    target = derived_status(s.status for s in order.shipments)
    if target is None or target == order.status:
        return
    if target == "cancelled":
        reason = "no seller could send their part"
        if transition(order, "cancelled", reason=reason, cause=cause):
            order.payment_status = "refunded"
            data = events.order_cancelled(order, reason=reason, stock_was_reserved=True)
            events.record(session, data, correlation_id=order.id)
        return
    first = next(s for s in order.shipments if s.status != "cancelled")
    if order.status == "paid" and transition(order, "shipped", cause=cause):
        order.carrier, order.tracking_number = first.carrier, first.tracking_number
        order.shipped_at = utcnow()
        events.record(session, events.order_shipped(order), correlation_id=order.id)
    if target == "delivered" and transition(order, "delivered", cause=cause):
        order.delivered_at = utcnow()
        events.record(session, events.order_delivered(order), correlation_id=order.id)


def _timer(session: Session, shipment: Shipment, kind: str, due: object) -> None:
    session.add(ShipmentTimer(shipment_id=shipment.id, kind=kind, due_at=due))


def _seller_names(session: Session, book_ids: list[str]) -> dict[str, str]:
    rows = session.execute(
        select(Book.seller_id, Book.seller_name).where(Book.book_id.in_(book_ids))
    )
    return {seller_id: name for seller_id, name in rows if name}
