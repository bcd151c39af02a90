"""Simulated shipping: timers kept in the database, fired by whichever worker replica claims them.

Due rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED, so two replicas never fire the same
timer and never wait for each other; a timer is marked done in the transaction that applies its
transition, so a crash before the commit just leaves it due for the next poll.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from order_service import events
from order_service.models import Order, OrderTimer
from order_service.saga import transition, utcnow
from shared.events.retry import Backoff

log = logging.getLogger(__name__)
CARRIERS = ("UPS", "DHL", "FedEx", "USPS")


def fire_due_timers(session: Session, *, delivery_delay_seconds: float, limit: int = 50) -> int:
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
                _fire(session, timer, order, delivery_delay_seconds)
            timer.done_at = utcnow()
        return len(timers)


def _fire(session: Session, timer: OrderTimer, order: Order, delivery_delay: float) -> None:
    if timer.kind == "ship" and transition(order, "shipped", cause=f"timer:{timer.id}"):
        order.carrier = CARRIERS[int(order.id[:8], 16) % len(CARRIERS)]
        order.tracking_number = f"{order.carrier[:2].upper()}{secrets.token_hex(8).upper()}"
        order.shipped_at = utcnow()
        events.emit(session, "order.shipped", events.order_shipped(order), order=order)
        due = utcnow() + timedelta(seconds=delivery_delay)
        session.add(OrderTimer(order_id=order.id, kind="deliver", due_at=due))
    elif timer.kind == "deliver" and transition(order, "delivered", cause=f"timer:{timer.id}"):
        order.delivered_at = utcnow()
        events.emit(session, "order.delivered", events.order_delivered(order), order=order)


def shipping_timer(
    session_factory: Callable[[], Session], *, delivery_delay_seconds: float, poll: float
) -> Callable[[threading.Event], None]:
    """The worker's timer loop (WorkerSpec.timers): polls until stopped, survives outages."""

    def run(stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                with session_factory() as session:
                    fired = fire_due_timers(session, delivery_delay_seconds=delivery_delay_seconds)
                failures = 0
            except Exception as exc:  # outages included: the loop must never die
                failures += 1
                fired = 0
                log.warning("shipping timers failed (%s); retrying", exc)
                stop.wait(Backoff(base=0.5, cap=10).delay(failures))
            if not fired:
                stop.wait(poll)

    return run
