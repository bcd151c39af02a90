"""What catalog_service reacts to (docs/events.md, docs/saga.md), in one table at the bottom.

Failure policy (CONTRIBUTING.md), on top of the shared Consumer's:
- an event whose data cannot make sense (no order id, no items, a quantity of 0 or "2", a
  user.registered without a name) does not fit its class in shared.events.catalogue: the
  Consumer dead-letters it at once, before any handler runs, and never retries it;
- an order that cannot be met (too little stock, an unknown or deleted book) is not an error:
  it is answered with `stock.rejected` and acknowledged;
- a deadlock or lost database connection is retried in place by the Consumer; the whole
  transaction (inbox row, reservation, stock, outbox) is replayed, so nothing half-happens;
- duplicates and reorderings are absorbed by the reservation row keyed by order id (stock.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from catalog_service.recommend import (
    forget_purchases,
    forget_shipment_purchases,
    record_purchases,
)
from catalog_service.sellers import count_sale, note_member_since, record_review, release_shipment
from catalog_service.service import remember_seller
from catalog_service.stock import mark_sold, release_stock, reserve_stock
from shared.events import Envelope, Handler
from shared.events.catalogue import UserRegistered


def record_seller(session: Session, event: Envelope[UserRegistered]) -> None:
    """user.registered: the name shown as `seller_name` on that user's books."""
    remember_seller(session, user_id=event.data.user_id, name=event.data.name, source="event")


HANDLERS: dict[str, list[Handler]] = {
    "order.placed": [reserve_stock],
    "order.cancelled": [release_stock, forget_purchases],
    "order.paid": [mark_sold, record_purchases],  # purchases: "bought together" (recommend.py)
    "user.registered": [record_seller, note_member_since],
    # Seller fulfilment (sellers.py): a cancelled shipment's stock, profiles, ratings, sales.
    "shipment.cancelled": [release_shipment, forget_shipment_purchases],
    "shipment.delivered": [count_sale],
    "review.posted": [record_review],
}
