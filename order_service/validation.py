"""Checkout's input: the body of shared/contract/orders.py, plus what depends on today (a card
that has expired), as the typed values checkout.py works with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from order_service.payments import Card
from shared.contract.model import parse
from shared.contract.orders import OrderCreate
from shared.domain import Invalid


@dataclass(frozen=True)
class Line:
    book_id: str
    quantity: int


@dataclass(frozen=True)
class Checkout:
    lines: tuple[Line, ...]  # empty when from_cart
    from_cart: bool
    address: dict[str, str]
    card: Card


def parse_checkout(body: dict[str, Any], *, today: datetime | None = None) -> Checkout:
    """The body of POST /api/orders, or Invalid naming every bad field."""
    form = parse(OrderCreate, body)
    payment = form.payment
    now = today or datetime.now(UTC)
    if (payment.exp_year, payment.exp_month) < (now.year, now.month):  # valid through its month
        raise Invalid("The request is not valid.", fields={"payment.exp_year": _EXPIRED})
    card = Card(
        number=payment.card_number,
        exp_month=payment.exp_month,
        exp_year=payment.exp_year,
        cvc=payment.cvc,
        holder=payment.holder,
    )
    return Checkout(
        lines=tuple(Line(line.book_id, line.quantity) for line in form.items),
        from_cart=form.from_cart,
        address=form.shipping_address.model_dump(exclude_none=True),
        card=card,
    )


_EXPIRED = "the card has expired"
