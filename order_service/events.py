"""Orders -> the data of the events order_service publishes (never ORM objects)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from order_service.models import Order, outbox
from shared.events import Envelope, add_event, new_event

PRODUCER = "order_service"


def money(amount: Decimal) -> str:
    """Money on the wire: a string with exactly two decimals."""
    return f"{amount.quantize(Decimal('0.01'))}"


def order_placed(order: Order) -> dict:
    return {
        "order_id": order.id,
        "buyer_id": order.buyer_id,
        "items": [
            {
                "book_id": item.book_id,
                "seller_id": item.seller_id,
                "quantity": item.quantity,
                "unit_price": money(item.unit_price),
            }
            for item in order.items
        ],
        "total": money(order.total),
        "currency": order.currency,
    }


def order_paid(order: Order) -> dict:
    return {
        "order_id": order.id,
        "buyer_id": order.buyer_id,
        "amount": money(order.total),
        "currency": order.currency,
        "payment_id": order.payment_id,
    }


def order_cancelled(order: Order, *, reason: str, stock_was_reserved: bool) -> dict:
    return {
        "order_id": order.id,
        "buyer_id": order.buyer_id,
        "reason": reason,
        "stock_was_reserved": stock_was_reserved,
    }


def order_shipped(order: Order) -> dict:
    return {
        "order_id": order.id,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
    }


def order_delivered(order: Order) -> dict:
    return {"order_id": order.id}


def emit(
    session: Session, event_type: str, data: dict, *, order: Order, cause: Envelope | None = None
) -> None:
    """Add an event to the outbox in the session's transaction, correlated with its order."""
    if cause is not None:
        event = cause.caused(event_type, data, producer=PRODUCER)
    else:
        event = new_event(event_type, data, producer=PRODUCER, correlation_id=order.id)
    add_event(session, outbox, event)
