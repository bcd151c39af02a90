"""Checkout: price from the read model, authorize, save the order with order.placed."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
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
    OrderTimer,
    TimelineEntry,
)
from order_service.payments import Authorization, PaymentDeclined, PaymentProvider
from order_service.validation import Checkout, Line
from shared.db import utcnow
from shared.domain import Conflict, Declined, Invalid, NotFound

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


@dataclass(frozen=True)
class Draft:
    """An order about to be saved: priced, its payment authorized."""

    order_id: str
    buyer_id: str
    checkout: Checkout
    items: list[OrderItem]
    idempotency_key: str | None
    fingerprint: str
    pending_timeout_seconds: float

    @property
    def total(self) -> Decimal:
        return sum((i.unit_price * i.quantity for i in self.items), Decimal("0.00"))


def place_order(
    *,
    sessions: sessionmaker[Session],
    provider: PaymentProvider,
    buyer_id: str,
    checkout: Checkout,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    pending_timeout_seconds: float = 600.0,
) -> Placed:
    """Price from the read model, authorize, then save `pending` + order.placed in one go."""
    key = idempotency_key
    if key and (earlier := _replay(sessions, buyer_id, key, fingerprint)):
        return Placed(earlier, replayed=True)
    with sessions() as session:
        items = _priced_items(session, buyer_id, checkout)
    draft = Draft(
        str(uuid.uuid4()), buyer_id, checkout, items, key, fingerprint, pending_timeout_seconds
    )
    auth = _authorize(provider, draft)
    try:
        return Placed(_save(sessions, draft, auth), replayed=False)
    except IntegrityError:
        provider.void(authorization_id=auth.id)
        if key and (earlier := _replay(sessions, buyer_id, key, fingerprint)):
            return Placed(earlier, replayed=True)  # lost a race with the same key
        raise
    except BaseException:
        provider.void(authorization_id=auth.id)
        raise


def _authorize(provider: PaymentProvider, draft: Draft) -> Authorization:
    try:
        return provider.authorize(
            card=draft.checkout.card,
            amount=draft.total,
            currency=CURRENCY,
            reference=draft.order_id,
        )
    except PaymentDeclined as exc:
        raise Declined(str(exc) or "The card was declined.") from None


def _replay(
    sessions: sessionmaker[Session], buyer_id: str, key: str, fingerprint: str
) -> Order | None:
    with sessions() as session:
        found = session.get(IdempotencyKey, (buyer_id, key))
        if found is None:
            return None
        if found.request_hash != fingerprint:
            raise Invalid(
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
            raise Invalid("The request is not valid.", fields={"from_cart": "the cart is empty"})
        lines = tuple(Line(item.book_id, item.quantity) for item in cart)
    books = {
        b.book_id: b
        for b in session.scalars(select(Book).where(Book.book_id.in_([x.book_id for x in lines])))
    }
    _check(books, lines, buyer_id)
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


def _check(books: dict[str, Book], lines: tuple[Line, ...], buyer_id: str) -> None:
    """404 unknown or deleted, then 409 own listing or known to be out of stock."""
    for line in lines:  # 404 before 409, whatever the order of the lines
        if line.book_id not in books or books[line.book_id].deleted:
            raise NotFound(f"No such book: {line.book_id}.")
    for line in lines:
        book = books[line.book_id]
        if book.seller_id == buyer_id:
            raise Conflict(f"You cannot buy your own listing “{book.title}”.")
        if book.stock < line.quantity:
            left = f"only {book.stock} left" if book.stock > 0 else "it is sold out"
            raise Conflict(f"Not enough stock of “{book.title}”: {left}.")


def _save(sessions: sessionmaker[Session], draft: Draft, auth: Authorization) -> Order:
    now = utcnow()
    with sessions() as session, session.begin():
        if draft.idempotency_key:  # first: a racing twin blocks here, then fails on the key
            key = IdempotencyKey(
                user_id=draft.buyer_id,
                key=draft.idempotency_key,
                request_hash=draft.fingerprint,
                order_id=draft.order_id,
                created_at=now,
            )
            session.add(key)
            session.flush()
        order = _new_order(draft, auth, now)
        session.add(order)
        expiry = now + timedelta(seconds=draft.pending_timeout_seconds)
        session.add(OrderTimer(order_id=order.id, kind="expire", due_at=expiry))
        events.record(session, events.order_placed(order), correlation_id=order.id)
        if draft.checkout.from_cart:
            bought = [item.book_id for item in draft.items]
            mine = CartItem.user_id == draft.buyer_id
            session.execute(delete(CartItem).where(mine, CartItem.book_id.in_(bought)))
            session.execute(delete(CartNotice).where(CartNotice.user_id == draft.buyer_id))
    return order


def _new_order(draft: Draft, auth: Authorization, now: datetime) -> Order:
    return Order(
        id=draft.order_id,
        buyer_id=draft.buyer_id,
        status="pending",
        currency=CURRENCY,
        total=draft.total,
        shipping_address=draft.checkout.address,
        payment_brand=auth.brand,
        payment_last4=auth.last4,
        payment_status="authorized",
        authorization_id=auth.id,
        created_at=now,
        updated_at=now,
        items=draft.items,
        timeline=[TimelineEntry(status="pending", at=now, reason=None)],
    )
