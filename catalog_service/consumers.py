"""What catalog_service reacts to (DESIGN.md sections 2 and 4), in one table at the bottom.

Failure policy (STYLE.md rule 7), on top of the shared Consumer's:
- an event whose data cannot make sense (no order id, no items, a quantity of 0 or "2", a
  user.registered without a name) raises PermanentError: dead-lettered at once, never retried;
- an order that cannot be met (too little stock, an unknown or deleted book) is not an error:
  it is answered with `stock.rejected` and acknowledged;
- a deadlock or lost database connection is retried in place by the Consumer; the whole
  transaction (inbox row, reservation, stock, outbox) is replayed, so nothing half-happens;
- duplicates and reorderings are absorbed by the reservation row keyed by order id (stock.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from catalog_service.service import remember_seller
from catalog_service.stock import mark_sold, release_stock, reserve_stock
from shared.events import Envelope, Handler, PermanentError


def record_seller(session: Session, event: Envelope) -> None:
    """user.registered: the name shown as `seller_name` on that user's books."""
    user_id, name = event.data.get("user_id"), event.data.get("name")
    if not isinstance(user_id, str) or not isinstance(name, str) or not user_id or not name:
        raise PermanentError("user.registered without a user_id and name")
    remember_seller(session, user_id=user_id, name=name, source="event")


HANDLERS: dict[str, list[Handler]] = {
    "order.placed": [reserve_stock],
    "order.cancelled": [release_stock],
    "order.paid": [mark_sold],
    "user.registered": [record_seller],
}
