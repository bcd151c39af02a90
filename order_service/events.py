"""Orders -> the events order_service publishes (never an ORM object on the wire)."""

from __future__ import annotations

from decimal import Decimal

from order_service.models import Order, Review, Shipment, outbox
from shared.events import Recorder
from shared.events.catalogue import (
    OrderCancelled,
    OrderDelivered,
    OrderLine,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    ReviewPosted,
    ShipmentAwaiting,
    ShipmentCancelled,
    ShipmentDelivered,
    ShipmentShipped,
    StockLine,
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


def _moved(order: Order, shipment: Shipment) -> dict[str, str]:
    return {
        "order_id": order.id,
        "shipment_id": shipment.id,
        "seller_id": shipment.seller_id,
        "buyer_id": order.buyer_id,
        "carrier": shipment.carrier or "",
        "tracking_number": shipment.tracking_number or "",
    }


def shipment_awaiting(order: Order, shipment: Shipment) -> ShipmentAwaiting:
    return ShipmentAwaiting(
        order_id=order.id,
        shipment_id=shipment.id,
        seller_id=shipment.seller_id,
        buyer_id=order.buyer_id,
        ship_by=shipment.ship_by,
    )


def shipment_shipped(order: Order, shipment: Shipment) -> ShipmentShipped:
    return ShipmentShipped(**_moved(order, shipment))


def shipment_delivered(order: Order, shipment: Shipment) -> ShipmentDelivered:
    return ShipmentDelivered(**_moved(order, shipment))


def shipment_cancelled(
    order: Order, shipment: Shipment, *, refund_amount: Decimal
) -> ShipmentCancelled:
    lines: dict[str, int] = {}
    for item in order.items:
        if item.seller_id == shipment.seller_id:
            lines[item.book_id] = lines.get(item.book_id, 0) + item.quantity
    return ShipmentCancelled(
        order_id=order.id,
        shipment_id=shipment.id,
        seller_id=shipment.seller_id,
        buyer_id=order.buyer_id,
        reason=shipment.cancelled_reason or "",
        items=[StockLine(book_id=b, quantity=q) for b, q in sorted(lines.items())],
        refund_amount=refund_amount,
    )


def review_posted(review: Review) -> ReviewPosted:
    return ReviewPosted(
        review_id=review.id,
        order_id=review.order_id,
        shipment_id=review.shipment_id,
        seller_id=review.seller_id,
        buyer_id=review.buyer_id,
        buyer_name=review.buyer_name,
        rating=review.rating,
        comment=review.comment,
        created_at=review.created_at,
    )
