"""Orders -> the events order_service publishes (never an ORM object on the wire)."""

from __future__ import annotations

from decimal import Decimal

from order_service.models import Order, outbox
from shared.events import Recorder
from shared.events.catalogue import (
    OrderCancelled,
    OrderDelivered,
    OrderLine,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    money_text,
)

record = Recorder("order_service", outbox)


def money(amount: Decimal) -> str:
    """Money on the wire and in the API: a string with exactly two decimals."""
    return money_text(amount)


def order_placed(order: Order) -> OrderPlaced:
    return OrderPlaced(
        order_id=order.id,
        buyer_id=order.buyer_id,
        items=[
            OrderLine(
                book_id=item.book_id,
                seller_id=item.seller_id,
                quantity=item.quantity,
                unit_price=item.unit_price,
            )
            for item in order.items
        ],
        total=order.total,
        currency=order.currency,
    )


def order_paid(order: Order) -> OrderPaid:
    return OrderPaid(
        order_id=order.id,
        buyer_id=order.buyer_id,
        amount=order.total,
        currency=order.currency,
        payment_id=order.payment_id or "",
    )


def order_cancelled(order: Order, *, reason: str, stock_was_reserved: bool) -> OrderCancelled:
    return OrderCancelled(
        order_id=order.id,
        buyer_id=order.buyer_id,
        reason=reason,
        stock_was_reserved=stock_was_reserved,
    )


def order_shipped(order: Order) -> OrderShipped:
    return OrderShipped(
        order_id=order.id,
        carrier=order.carrier or "",
        tracking_number=order.tracking_number or "",
    )


def order_delivered(order: Order) -> OrderDelivered:
    return OrderDelivered(order_id=order.id)
