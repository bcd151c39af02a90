"""Order use cases after checkout: the buyer's cancel, and what buyers and sellers read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from order_service import events, shipments
from order_service.models import Order, OrderItem
from order_service.payments import PaymentProvider, release_payment
from order_service.saga import transition
from shared.domain import Conflict, NotFound

STOCK_HELD = ("reserved", "paid")


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int


@dataclass(frozen=True)
class Sale:
    item: OrderItem
    status: str
    order_created_at: object


def cancel_order(
    *, sessions: sessionmaker[Session], provider: PaymentProvider, buyer_id: str, order_id: str
) -> Order:
    """Cancel until shipped: void or refund the payment; the catalogue gives the stock back."""
    with sessions() as session, session.begin():
        order = session.get(Order, order_id, with_for_update=True)
        if order is None or order.buyer_id != buyer_id:
            raise NotFound("No such order.")
        was = order.status
        if any(s.status in ("shipped", "delivered") for s in order.shipments):
            raise Conflict("Part of the order has shipped: it can no longer be cancelled.")
        if not transition(order, "cancelled", reason="cancelled by the buyer", cause="buyer"):
            raise Conflict(f"The order is {order.status}: it can no longer be cancelled.")
        for shipment in order.shipments:  # the whole payment is released below
            shipments.cancel(
                session,
                order,
                shipment,
                reason="cancelled by the buyer",
                provider=None,
                cause="buyer",
            )
        order.payment_status = release_payment(
            provider,
            authorization_id=order.authorization_id,
            payment_id=order.payment_id,
            amount=order.total,
        )
        data = events.order_cancelled(
            order, reason="cancelled by the buyer", stock_was_reserved=was in STOCK_HELD
        )
        events.record(session, data, correlation_id=order.id)
        return order


def get_order(*, sessions: sessionmaker[Session], buyer_id: str, order_id: str) -> Order:
    """The buyer's order; 404 for anyone else's (never reveal that it exists)."""
    with sessions() as session:
        order = session.get(Order, order_id)
        if order is None or order.buyer_id != buyer_id:
            raise NotFound("No such order.")
        return order


def list_orders(
    *, sessions: sessionmaker[Session], buyer_id: str, page: int, per_page: int
) -> Page:
    """The buyer's orders, newest first."""
    with sessions() as session:
        total = session.scalar(select(func.count()).where(Order.buyer_id == buyer_id)) or 0
        orders = session.scalars(
            select(Order)
            .where(Order.buyer_id == buyer_id)
            .order_by(Order.created_at.desc(), Order.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        return Page(list(orders), page, per_page, total)


def list_sales(
    *, sessions: sessionmaker[Session], seller_id: str, page: int, per_page: int
) -> Page:
    """Order items sold by the seller with their order's status, newest first."""
    with sessions() as session:
        where = OrderItem.seller_id == seller_id
        total = session.scalar(select(func.count()).select_from(OrderItem).where(where)) or 0
        rows = session.execute(
            select(OrderItem, Order.status, Order.created_at)
            .join(Order, Order.id == OrderItem.order_id)
            .where(where)
            .order_by(Order.created_at.desc(), OrderItem.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        return Page([Sale(item, status, at) for item, status, at in rows], page, per_page, total)
