"""The seller ledger: append-only signed entries, balances are sums (docs/saga.md, Balance).

A paid shipment credits its seller a `sale` (+subtotal) and a `commission` (−percent of it); a
cancelled one adds a `refund` that reverses both, so a cancelled part sums to zero and never
becomes available. An entry of a shipment is `available` once that shipment is delivered and
the hold has passed; every other entry of a shipment is `pending`; a `payout` (negative) is taken
from `available`. So pending + available is always the sum of the entries, by construction.
Entries are keyed (shipment, kind): a replayed step cannot write one twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.dialects.mysql import insert
from sqlalchemy.orm import Session

from order_service.models import LedgerEntry, Payout, SellerSettings, Shipment
from shared.db import utcnow
from shared.domain import Invalid

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Balance:
    pending: Decimal
    available: Decimal
    paid_out: Decimal


def commission(subtotal: Decimal, percent: Decimal) -> Decimal:
    """The marketplace's cut of a sale, rounded half up to the cent."""
    return (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def seller_net(subtotal: Decimal, percent: Decimal) -> Decimal:
    """What a sale is worth to its seller: subtotal − commission."""
    return subtotal - commission(subtotal, percent)


def _add(session: Session, shipment: Shipment, kind: str, amount: Decimal) -> None:
    """Insert the (shipment, kind) entry unless it exists (replays are harmless)."""
    session.execute(
        insert(LedgerEntry)
        .values(
            seller_id=shipment.seller_id,
            kind=kind,
            amount=amount,
            order_id=shipment.order_id,
            shipment_id=shipment.id,
            at=utcnow(),
        )
        .prefix_with("IGNORE")
    )


def credit_sale(session: Session, shipment: Shipment, percent: Decimal) -> None:
    """Paid: the sale and its commission, pending until the shipment is delivered."""
    _add(session, shipment, "sale", shipment.subtotal)
    _add(session, shipment, "commission", -commission(shipment.subtotal, percent))


def reverse_sale(session: Session, shipment: Shipment) -> None:
    """Cancelled: a refund entry that brings the shipment's entries back to zero."""
    net = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.shipment_id == shipment.id, LedgerEntry.kind != "refund"
        )
    )
    if net:
        _add(session, shipment, "refund", -Decimal(net))


def balance_of(
    session: Session, seller_id: str, *, hold_seconds: float, now: datetime | None = None
) -> Balance:
    """Sum the seller's entries into pending, available and paid out."""
    settled_before = (now or utcnow()) - timedelta(seconds=hold_seconds)
    available = (LedgerEntry.kind == "payout") | (
        (Shipment.status == "delivered") & (Shipment.delivered_at <= settled_before)
    )
    zero = Decimal("0")
    row = session.execute(
        select(
            func.coalesce(func.sum(case((available, zero), else_=LedgerEntry.amount)), 0),
            func.coalesce(func.sum(case((available, LedgerEntry.amount), else_=zero)), 0),
            func.coalesce(
                func.sum(case((LedgerEntry.kind == "payout", -LedgerEntry.amount), else_=zero)),
                0,
            ),
        )
        .select_from(LedgerEntry)
        .outerjoin(Shipment, Shipment.id == LedgerEntry.shipment_id)
        .where(LedgerEntry.seller_id == seller_id)
    ).one()
    return Balance(*(Decimal(value).quantize(CENT) for value in row))


def ensure_seller(session: Session, seller_id: str) -> None:
    """Create the seller's settings row if missing. Commit this on its own before locking it:
    two transactions that both INSERT IGNORE one key, then lock it, deadlock each other."""
    session.execute(
        insert(SellerSettings)
        .values(seller_id=seller_id, auto_ship=False, updated_at=utcnow())
        .prefix_with("IGNORE")
    )


def lock_seller(session: Session, seller_id: str) -> SellerSettings:
    """The seller's settings row (ensure_seller made it), locked: one seller's payouts queue."""
    found = session.get(SellerSettings, seller_id, with_for_update=True, populate_existing=True)
    assert found is not None  # ensure_seller committed it
    return found


def pay_out(
    session: Session, seller_id: str, amount: Decimal | None, *, hold_seconds: float
) -> Payout:
    """Move `amount` (default: all) of the available balance out, as one payout entry."""
    lock_seller(session, seller_id)
    available = balance_of(session, seller_id, hold_seconds=hold_seconds).available
    amount = available if amount is None else amount
    if amount <= 0:
        raise Invalid("Nothing to pay out.", fields={"amount": "must be positive"})
    if amount > available:
        raise Invalid(
            "That is more than the available balance.",
            fields={"amount": f"must be at most the available {available}"},
        )
    payout = Payout(
        id=str(uuid.uuid4()), seller_id=seller_id, amount=amount, status="sent", created_at=utcnow()
    )
    session.add(payout)
    session.add(
        LedgerEntry(
            seller_id=seller_id, kind="payout", amount=-amount, payout_id=payout.id, at=utcnow()
        )
    )
    return payout
