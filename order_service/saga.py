"""The order saga's state machine: one transition table, every change on the timeline.

DESIGN.md section 4. A transition that the table does not allow from the current status is a
no-op that returns False: this is what makes redelivered and reordered events harmless.
"""

from __future__ import annotations

import logging

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
    order.status, order.updated_at = to, now
    order.timeline.append(
        TimelineEntry(status=to, at=now, reason=reason[:300] if reason else None, cause=cause)
    )
    return True
