"""Checkout: price from the read model, authorize, save the order with order.placed."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from order_service import events
from order_service.models import (
    Book,
    CartItem,
    CartNotice,
    IdempotencyKey,
    Order,
    OrderItem,
    TimelineEntry,
)
from order_service.payments import Authorization, PaymentDeclined, PaymentProvider
from order_service.saga import utcnow
from order_service.validation import Checkout, Line
from shared.web.errors import ApiError, ValidationError

CURRENCY = "USD"


@dataclass(frozen=True)
class Placed:
    order: Order
    replayed: bool  # True when an Idempotency-Key returned an order placed before


def request_fingerprint(body: dict[str, Any]) -> str:
    """A hash of the checkout body for Idempotency-Key checks, without the card number or CVC."""
    safe = dict(body)
    if isinstance(payment := body.get("payment"), dict):
        number = "".join(ch for ch in str(payment.get("card_number", "")) if ch.isdigit())
        safe["payment"] = {k: v for k, v in payment.items() if k not in ("card_number", "cvc")}
        safe["payment"]["last4"] = number[-4:]
    canonical = json.dumps(safe, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def place_order(
    *,
    sessions: sessionmaker[Session],
    provider: PaymentProvider,
    buyer_id: str,
    checkout: Checkout,
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> Placed:
    """Price from the read model, authorize, then save `pending` + order.placed in one go."""
    if idempotency_key and (earlier := _replay(sessions, buyer_id, idempotency_key, fingerprint)):
        return Placed(earlier, replayed=True)
    with sessions() as session:
        items = _priced_items(session, buyer_id, checkout)
    order_id = str(uuid.uuid4())
    total = sum((item.unit_price * item.quantity for item in items), Decimal("0.00"))
    try:
        auth = provider.authorize(
            card=checkout.card, amount=total, currency=CURRENCY, reference=order_id
        )
    except PaymentDeclined as exc:
        raise ApiError(402, str(exc) or "The card was declined.") from None
    try:
        order = _save(
            sessions, order_id, buyer_id, checkout, items, auth, idempotency_key, fingerprint
        )
    except IntegrityError:
        provider.void(authorization_id=auth.id)
        if idempotency_key and (
            earlier := _replay(sessions, buyer_id, idempotency_key, fingerprint)
        ):
            return Placed(earlier, replayed=True)  # lost a race with the same key
        raise
    except BaseException:
        provider.void(authorization_id=auth.id)
        raise
    return Placed(order, replayed=False)


def _replay(
    sessions: sessionmaker[Session], buyer_id: str, key: str, fingerprint: str
) -> Order | None:
    with sessions() as session:
        found = session.get(IdempotencyKey, (buyer_id, key))
        if found is None:
            return None
        if found.request_hash != fingerprint:
            raise ApiError(
                422,
                "This Idempotency-Key was used with a different request.",
                fields={"Idempotency-Key": "already used with a different body"},
            )
        return session.get(Order, found.order_id)


def _priced_items(session: Session, buyer_id: str, checkout: Checkout) -> list[OrderItem]:
    lines = checkout.lines
    if checkout.from_cart:
        cart = session.scalars(
            select(CartItem).where(CartItem.user_id == buyer_id).order_by(CartItem.added_at)
        ).all()
        if not cart:
            raise ValidationError({"from_cart": "the cart is empty"})
        lines = tuple(Line(item.book_id, item.quantity) for item in cart)
    books = {
        b.book_id: b
        for b in session.scalars(select(Book).where(Book.book_id.in_([x.book_id for x in lines])))
    }
    for line in lines:  # 404 before 409, whatever the order of the lines
        if line.book_id not in books or books[line.book_id].deleted:
            raise ApiError(404, f"No such book: {line.book_id}.")
    for line in lines:
        book = books[line.book_id]
        if book.seller_id == buyer_id:
            raise ApiError(409, f"You cannot buy your own listing “{book.title}”.")
        if book.stock < line.quantity:
            left = f"only {book.stock} left" if book.stock > 0 else "it is sold out"
            raise ApiError(409, f"Not enough stock of “{book.title}”: {left}.")
    return [
        OrderItem(
            book_id=line.book_id,
            seller_id=books[line.book_id].seller_id,
            title=books[line.book_id].title,
            quantity=line.quantity,
            unit_price=books[line.book_id].price,
        )
        for line in lines
    ]


def _save(
    sessions: sessionmaker[Session],
    order_id: str,
    buyer_id: str,
    checkout: Checkout,
    items: list[OrderItem],
    auth: Authorization,
    idempotency_key: str | None,
    fingerprint: str,
) -> Order:
    now = utcnow()
    with sessions() as session, session.begin():
        if idempotency_key:  # first: a racing twin blocks here, then fails on the key
            session.add(
                IdempotencyKey(
                    user_id=buyer_id,
                    key=idempotency_key,
                    request_hash=fingerprint,
                    order_id=order_id,
                    created_at=now,
                )
            )
            session.flush()
        order = Order(
            id=order_id,
            buyer_id=buyer_id,
            status="pending",
            currency=CURRENCY,
            total=sum((i.unit_price * i.quantity for i in items), Decimal("0.00")),
            shipping_address=checkout.address,
            payment_brand=auth.brand,
            payment_last4=auth.last4,
            payment_status="authorized",
            authorization_id=auth.id,
            created_at=now,
            updated_at=now,
            items=items,
            timeline=[],
        )
        order.timeline.append(TimelineEntry(status="pending", at=now, reason=None))
        session.add(order)
        events.emit(session, "order.placed", events.order_placed(order), order=order)
        if checkout.from_cart:
            bought = [item.book_id for item in items]
            session.execute(
                delete(CartItem).where(CartItem.user_id == buyer_id, CartItem.book_id.in_(bought))
            )
            session.execute(delete(CartNotice).where(CartNotice.user_id == buyer_id))
    return order
