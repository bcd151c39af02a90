"""Order timers (expire a stuck pending order; ship and deliver), kept in the database.

New orders ship per seller (order_service/shipments.py, shipment_timers.py); the order-level
`ship` and `deliver` timers remain for orders paid before shipments existed, whose timer rows
may still be due after an upgrade.

Whichever worker replica claims a due timer fires it. Due rows are claimed with SELECT ... FOR
UPDATE SKIP LOCKED, so two replicas never fire the same timer and never wait for each other; a
timer is marked done in the transaction that applies its transition, so a crash before the
commit just leaves it due for the next poll, and a restart loses none.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from order_service import events
from order_service.models import Order, OrderTimer
from order_service.payments import PaymentProvider, release_payment
from order_service.saga import transition
from shared.db import utcnow
from shared.events.polling import polling_loop

log = logging.getLogger(__name__)
CARRIERS = ("UPS", "DHL", "FedEx", "USPS")


@dataclass(frozen=True)
class TimerSettings:
    provider: PaymentProvider
    delivery_delay_seconds: float


def fire_due_timers(session: Session, settings: TimerSettings, *, limit: int = 50) -> int:
    """Fire the timers due now in one transaction; returns how many were claimed."""
    with session.begin():
        # READ COMMITTED: no gap locks, so consumers inserting new timers never wait on us.
        session.connection(execution_options={"isolation_level": "READ COMMITTED"})
        timers = session.scalars(
            select(OrderTimer)
            .where(OrderTimer.done_at.is_(None), OrderTimer.due_at <= utcnow())
            .order_by(OrderTimer.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for timer in timers:
            order = session.get(Order, timer.order_id, with_for_update=True)
            if order is not None:
                FIRE[timer.kind](session, order, settings, f"timer:{timer.id}")
            timer.done_at = utcnow()
        return len(timers)


def ship(session: Session, order: Order, settings: TimerSettings, cause: str) -> None:
    if not transition(order, "shipped", cause=cause):
        return  # cancelled meanwhile
    order.carrier = CARRIERS[int(order.id[:8], 16) % len(CARRIERS)]
    order.tracking_number = f"{order.carrier[:2].upper()}{secrets.token_hex(8).upper()}"
    order.shipped_at = utcnow()
    events.record(session, events.order_shipped(order), correlation_id=order.id)
    due = utcnow() + timedelta(seconds=settings.delivery_delay_seconds)
    session.add(OrderTimer(order_id=order.id, kind="deliver", due_at=due))


def deliver(session: Session, order: Order, settings: TimerSettings, cause: str) -> None:
    if transition(order, "delivered", cause=cause):
        order.delivered_at = utcnow()
        events.record(session, events.order_delivered(order), correlation_id=order.id)


def expire(session: Session, order: Order, settings: TimerSettings, cause: str) -> None:
    """A pending order the catalogue never answered: cancel it rather than leave it stuck."""
    if order.status != "pending":
        return
    reason = "the stock could not be confirmed in time"
    transition(order, "cancelled", reason=reason, cause=cause)
    order.payment_status = release_payment(
        settings.provider,
        authorization_id=order.authorization_id,
        payment_id=order.payment_id,
        amount=order.total,
    )
    # The catalogue releases whatever it may hold for the order, or skips its late order.placed.
    data = events.order_cancelled(order, reason=reason, stock_was_reserved=False)
    events.record(session, data, correlation_id=order.id)


FIRE = {"ship": ship, "deliver": deliver, "expire": expire}


def shipping_timer(
    session_factory: Callable[[], Session], settings: TimerSettings, *, poll: float
) -> Callable[[threading.Event], None]:
    """The worker's timer loop (WorkerSpec.timers): polls until stopped, survives outages."""
    return polling_loop(
        "order timers",
        session_factory,
        lambda session: fire_due_timers(session, settings),
        poll=poll,
    )
