"""What order_service reacts to: book.* feed the read model, stock.* drive the saga.

Failure policy (CONTRIBUTING.md): data that does not fit its class in shared.events.catalogue
never reaches a handler (the Consumer dead-letters it); an event about an order this database does
not hold is a PermanentError (dead-lettered at once, for an operator to look at); anything else
that raises is retried by the consumer. Transitions the table does not allow from an order's
current status are ignored, so redelivered or reordered events change nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from order_service import events, readmodel, shipments
from order_service.models import Order
from order_service.payments import CaptureFailed, PaymentProvider, release_payment
from order_service.saga import transition
from order_service.shipments import Fulfilment
from shared.events import Envelope, Handler, PermanentError
from shared.events.catalogue import StockRejected, StockReserved

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Saga:
    provider: PaymentProvider
    shipping_delay_seconds: float
    # One shipment per seller when paid; the simulated carrier ships for auto-ship sellers.
    fulfilment: Fulfilment = Fulfilment()

    def on_stock_reserved(self, session: Session, event: Envelope[StockReserved]) -> None:
        """Stock is ours: capture, then paid (and a shipment per seller) or cancelled."""
        order = _locked_order(session, event)
        if not transition(order, "reserved", cause=event.id):
            return
        try:
            payment_id = self.provider.capture(
                authorization_id=order.authorization_id, amount=order.total
            )
        except CaptureFailed as exc:
            self._capture_failed(session, event, order, str(exc))
            return
        order.payment_id, order.payment_status = payment_id, "captured"
        transition(order, "paid", cause=event.id)
        events.record(session, events.order_paid(order), cause=event)
        shipments.open_shipments(session, order, self.fulfilment)

    def _capture_failed(
        self, session: Session, event: Envelope[StockReserved], order: Order, error: str
    ) -> None:
        reason = f"payment capture failed: {error}"
        self.provider.void(authorization_id=order.authorization_id)
        order.payment_status = "failed"
        transition(order, "cancelled", reason=reason, cause=event.id)
        data = events.order_cancelled(order, reason=reason, stock_was_reserved=True)
        events.record(session, data, cause=event)

    def on_stock_rejected(self, session: Session, event: Envelope[StockRejected]) -> None:
        """Not enough stock: rejected with the reason, authorization voided."""
        order = _locked_order(session, event)
        if not transition(order, "rejected", reason=_rejection(order, event), cause=event.id):
            return
        order.payment_status = release_payment(
            self.provider,
            authorization_id=order.authorization_id,
            payment_id=order.payment_id,
            amount=order.total,
        )


def _locked_order(session: Session, event: Envelope[StockReserved | StockRejected]) -> Order:
    order_id = event.data.order_id
    order = session.get(Order, order_id, with_for_update=True)
    if order is None:
        raise PermanentError(f"{event.type} for an unknown order {order_id!r}")
    return order


def _rejection(order: Order, event: Envelope[StockRejected]) -> str:
    """A reason the buyer can read: which book, how many wanted, how many there were."""
    titles = {item.book_id: item.title for item in order.items}
    parts = [
        f"“{titles[line.book_id]}”: {line.requested} requested, {line.available} available"
        for line in event.data.items
        if line.book_id in titles
    ]
    reason = event.data.reason.replace("_", " ")
    return f"{reason}: {'; '.join(parts)}" if parts else reason


def build_handlers(saga: Saga) -> dict[str, list[Handler]]:
    """The saga's dispatch table (queue `order.events`): the catalogue's replies to orders."""
    return {
        "stock.reserved": [saga.on_stock_reserved],
        "stock.rejected": [saga.on_stock_rejected],
    }


# The book read model, on a lane of its own (queue `order.books.events`): a burst of listings
# (an import of 10,000 books) never holds up a checkout's `stock.reserved`, and each reply to
# an order is not always handed to the same replica (the catalogue answers every reservation
# with `stock.reserved` then `book.updated`; one queue would alternate them between two
# replicas, every reply to one of them).
LANES: dict[str, dict[str, list[Handler]]] = {
    "books": {
        "book.created": [readmodel.apply_book_upserted],
        "book.updated": [readmodel.apply_book_upserted],
        "book.deleted": [readmodel.apply_book_deleted],
    }
}
