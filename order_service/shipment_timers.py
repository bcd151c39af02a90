"""Shipment timers (ship-by deadline, auto-ship, delivery), kept in the database.

The same discipline as order_service/timers.py: due rows claimed FOR UPDATE SKIP LOCKED, the
step applied and the timer marked done in one transaction, so a crash before the commit leaves
it due for the next poll and a restart loses none. A step that no longer applies (a shipment
shipped before its ship-by, cancelled before its auto-ship) does nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from order_service import shipments
from order_service.models import Order, Shipment, ShipmentTimer
from order_service.payments import PaymentProvider
from order_service.shipments import Fulfilment
from shared.db import utcnow
from shared.events.polling import polling_loop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShipmentTimerSettings:
    provider: PaymentProvider
    fulfilment: Fulfilment


def fire_due_shipment_timers(
    session: Session, settings: ShipmentTimerSettings, *, limit: int = 50
) -> int:
    """Fire the shipment timers due now in one transaction; returns how many were claimed."""
    with session.begin():
        session.connection(execution_options={"isolation_level": "READ COMMITTED"})
        timers = session.scalars(
            select(ShipmentTimer)
            .where(ShipmentTimer.done_at.is_(None), ShipmentTimer.due_at <= utcnow())
            .order_by(ShipmentTimer.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for timer in timers:
            _fire(session, timer, settings)
            timer.done_at = utcnow()
        return len(timers)


def _fire(session: Session, timer: ShipmentTimer, settings: ShipmentTimerSettings) -> None:
    found = session.get(Shipment, timer.shipment_id)
    order = session.get(Order, found.order_id, with_for_update=True) if found else None
    if order is None:
        return
    shipment = next(s for s in order.shipments if s.id == timer.shipment_id)
    session.refresh(shipment, with_for_update=True)
    cause = f"shipment-timer:{timer.id}"
    if timer.kind == "ship_by":
        shipments.cancel(
            session,
            order,
            shipment,
            reason=shipments.MISSED_SHIP_BY,
            provider=settings.provider,
            cause=cause,
        )
    elif timer.kind == "auto_ship":
        carrier, tracking = shipments.simulated_carrier(shipment)
        shipments.ship(
            session,
            order,
            shipment,
            carrier=carrier,
            tracking_number=tracking,
            settings=settings.fulfilment,
            cause=cause,
        )
    elif timer.kind == "deliver":
        shipments.deliver(session, order, shipment, cause=cause)


def shipment_timer(
    session_factory: Callable[[], Session], settings: ShipmentTimerSettings, *, poll: float
) -> Callable[[threading.Event], None]:
    """The worker's shipment timer loop (WorkerSpec.timers): polls until stopped."""
    return polling_loop(
        "shipment timers",
        session_factory,
        lambda session: fire_due_shipment_timers(session, settings),
        poll=poll,
    )
