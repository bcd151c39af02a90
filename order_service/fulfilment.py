"""Seller and buyer use cases of fulfilment: ship, cancel, received, review, settings, balance.

Each opens one transaction and locks the order row before its shipment (the lock order of
order_service/shipments.py). Another seller's shipment and another buyer's order are 404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from order_service import balance, events, shipments
from order_service.balance import Balance
from order_service.models import LedgerEntry, Order, Payout, Review, SellerSettings, Shipment
from order_service.payments import PaymentProvider
from order_service.service import Page
from order_service.shipments import Fulfilment
from shared.db import utcnow
from shared.domain import Conflict, NotFound


@dataclass(frozen=True)
class SellerShipment:
    """A shipment as its seller sees it: with the order's items and the buyer's address."""

    shipment: Shipment
    order: Order


def _locked(session: Session, shipment_id: str) -> tuple[Order, Shipment]:
    found = session.get(Shipment, shipment_id)
    order = session.get(Order, found.order_id, with_for_update=True) if found else None
    if found is None or order is None:
        raise NotFound("No such shipment.")
    session.refresh(found, with_for_update=True)
    return order, found


def _sellers(session: Session, seller_id: str, shipment_id: str) -> tuple[Order, Shipment]:
    order, shipment = _locked(session, shipment_id)
    if shipment.seller_id != seller_id:
        raise NotFound("No such shipment.")
    return order, shipment


def ship(
    *,
    sessions: sessionmaker[Session],
    settings: Fulfilment,
    seller_id: str,
    shipment_id: str,
    carrier: str,
    tracking_number: str,
) -> SellerShipment:
    """The seller sent their part with a carrier and tracking number."""
    with sessions() as session, session.begin():
        order, shipment = _sellers(session, seller_id, shipment_id)
        if not shipments.ship(
            session,
            order,
            shipment,
            carrier=carrier,
            tracking_number=tracking_number,
            settings=settings,
            cause=f"seller:{seller_id}",
        ):
            raise Conflict(f"The shipment is {shipment.status}: it cannot be shipped.")
        return SellerShipment(shipment, order)


def cancel(
    *,
    sessions: sessionmaker[Session],
    provider: PaymentProvider,
    seller_id: str,
    shipment_id: str,
    reason: str,
) -> SellerShipment:
    """The seller cannot send their part: stock back, that part refunded."""
    with sessions() as session, session.begin():
        order, shipment = _sellers(session, seller_id, shipment_id)
        if not shipments.cancel(
            session, order, shipment, reason=reason, provider=provider, cause=f"seller:{seller_id}"
        ):
            raise Conflict(f"The shipment is {shipment.status}: it can no longer be cancelled.")
        return SellerShipment(shipment, order)


def _buyers(
    session: Session, buyer_id: str, order_id: str, shipment_id: str
) -> tuple[Order, Shipment]:
    order = session.get(Order, order_id, with_for_update=True)
    if order is None or order.buyer_id != buyer_id:
        raise NotFound("No such order.")
    shipment = next((s for s in order.shipments if s.id == shipment_id), None)
    if shipment is None:
        raise NotFound("No such shipment.")
    session.refresh(shipment, with_for_update=True)
    return order, shipment


def confirm_received(
    *, sessions: sessionmaker[Session], buyer_id: str, order_id: str, shipment_id: str
) -> Order:
    """The buyer has it: delivered now rather than when the carrier's timer says."""
    with sessions() as session, session.begin():
        order, shipment = _buyers(session, buyer_id, order_id, shipment_id)
        if shipment.status == "delivered":
            return order  # confirming twice is harmless
        if not shipments.deliver(session, order, shipment, cause=f"buyer:{buyer_id}"):
            raise Conflict(f"The shipment is {shipment.status}: it has not been shipped.")
        return order


def post_review(
    *,
    sessions: sessionmaker[Session],
    buyer_id: str,
    buyer_name: str,
    order_id: str,
    shipment_id: str,
    rating: int,
    comment: str | None,
) -> Review:
    """Rate the seller of a delivered shipment, once."""
    with sessions() as session, session.begin():
        order, shipment = _buyers(session, buyer_id, order_id, shipment_id)
        if shipment.status != "delivered":
            raise Conflict("The shipment has not been delivered yet.")
        if session.scalar(select(Review.id).where(Review.shipment_id == shipment.id)):
            raise Conflict("This shipment has already been reviewed.")
        review = Review(
            id=str(uuid.uuid4()),
            shipment_id=shipment.id,
            order_id=order.id,
            seller_id=shipment.seller_id,
            buyer_id=buyer_id,
            buyer_name=buyer_name,
            rating=rating,
            comment=comment,
            created_at=utcnow(),
        )
        session.add(review)
        events.record(session, events.review_posted(review), correlation_id=order.id)
        return review


def list_shipments(
    *,
    sessions: sessionmaker[Session],
    seller_id: str,
    status: str | None,
    page: int,
    per_page: int,
) -> Page:
    """The seller's shipments, oldest ship-by first, each with its order (buyer's address)."""
    with sessions() as session:
        where: list[Any] = [Shipment.seller_id == seller_id]
        if status:
            where.append(Shipment.status == status)
        total = session.scalar(select(func.count()).select_from(Shipment).where(*where)) or 0
        rows = session.execute(
            select(Shipment, Order)
            .join(Order, Order.id == Shipment.order_id)
            .where(*where)
            .order_by(Shipment.ship_by, Shipment.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        return Page([SellerShipment(s, o) for s, o in rows], page, per_page, total)


def get_settings(*, sessions: sessionmaker[Session], seller_id: str) -> bool:
    with sessions() as session:
        found = session.get(SellerSettings, seller_id)
        return bool(found and found.auto_ship)


def put_settings(*, sessions: sessionmaker[Session], seller_id: str, auto_ship: bool) -> bool:
    """Auto-ship applies to shipments opened from now on."""
    with sessions() as session, session.begin():
        balance.ensure_seller(session, seller_id)
    with sessions() as session, session.begin():
        settings = balance.lock_seller(session, seller_id)
        settings.auto_ship, settings.updated_at = auto_ship, utcnow()
        return auto_ship


def get_balance(*, sessions: sessionmaker[Session], seller_id: str, hold_seconds: float) -> Balance:
    with sessions() as session:
        return balance.balance_of(session, seller_id, hold_seconds=hold_seconds)


def list_entries(
    *, sessions: sessionmaker[Session], seller_id: str, page: int, per_page: int
) -> Page:
    """The seller's ledger, newest first."""
    with sessions() as session:
        where = LedgerEntry.seller_id == seller_id
        total = session.scalar(select(func.count()).select_from(LedgerEntry).where(where)) or 0
        entries = session.scalars(
            select(LedgerEntry)
            .where(where)
            .order_by(LedgerEntry.at.desc(), LedgerEntry.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        return Page(list(entries), page, per_page, total)


def pay_out(
    *,
    sessions: sessionmaker[Session],
    seller_id: str,
    amount: Decimal | None,
    hold_seconds: float,
) -> Payout:
    """A simulated transfer of available money to the seller."""
    with sessions() as session, session.begin():
        balance.ensure_seller(session, seller_id)
    with sessions() as session, session.begin():
        return balance.pay_out(session, seller_id, amount, hold_seconds=hold_seconds)
