"""The order saga's state machine: one transition table, every change on the timeline.

docs/saga.md. A transition that the table does not allow from the current status is a
no-op that returns False: this is what makes redelivered and reordered events harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime

from prometheus_client import Histogram

from order_service.models import Order, TimelineEntry
from shared.db import utcnow

log = logging.getLogger(__name__)

TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"reserved", "rejected", "cancelled"}),
    "reserved": frozenset({"paid", "cancelled"}),
    "paid": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"delivered"}),
    "delivered": frozenset(),
    "rejected": frozenset(),
    "cancelled": frozenset(),
}
STATUSES = tuple(TRANSITIONS)

_SAGA_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
# Observed when the transition is made; a transaction rolled back and replayed may count twice,
# which latency figures tolerate (the timeline in the database stays the exact record).
STAGE_SECONDS = Histogram(
    "saga_stage_seconds",
    "Time an order spent in a status before this transition",
    ["from_status", "to_status"],
    buckets=_SAGA_BUCKETS,
)
SINCE_PLACED_SECONDS = Histogram(
    "saga_since_placed_seconds",
    "Time from the order being placed to it reaching a status",
    ["status"],
    buckets=_SAGA_BUCKETS,
)


def can_transition(order: Order, to: str) -> bool:
    return to in TRANSITIONS[order.status]


def transition(
    order: Order, to: str, *, reason: str | None = None, cause: str | None = None
) -> bool:
    """Move `order` to `to` and record it; False (and nothing changed) if not allowed now."""
    if not can_transition(order, to):
        log.info("order %s: %s -> %s not allowed, ignored", order.id, order.status, to)
        return False
    now = utcnow()
    _observe(order, to, now)
    order.status, order.updated_at = to, now
    order.timeline.append(
        TimelineEntry(status=to, at=now, reason=reason[:300] if reason else None, cause=cause)
    )
    return True


def _observe(order: Order, to: str, now: datetime) -> None:
    entered = order.timeline[-1].at if order.timeline else order.created_at
    if entered is not None:
        STAGE_SECONDS.labels(order.status, to).observe(max(0.0, (now - entered).total_seconds()))
    if order.created_at is not None:
        since = max(0.0, (now - order.created_at).total_seconds())
        SINCE_PLACED_SECONDS.labels(to).observe(since)
