"""Checkout's input: the body of shared/contract/orders.py, plus what depends on today (a card
that has expired), as the typed values checkout.py works with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from order_service.payments import Card
from shared.contract.model import parse
from shared.contract.orders import OrderCreate, four_digit_year
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
    now = today or datetime.now(UTC)
    try:
        form = parse(OrderCreate, body)
    except Invalid as exc:  # an expired card is reported with the other problems
        fields = dict(exc.fields or {})
        if _expired(body.get("payment"), now):
            fields.setdefault("payment.exp_year", _EXPIRED)
        raise Invalid(exc.message, fields=fields) from None
    payment = form.payment
    if _expired({"exp_month": payment.exp_month, "exp_year": payment.exp_year}, now):
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


def _expired(payment: Any, today: datetime) -> bool:
    """A card is valid through the last day of its month (False when the expiry is not even
    a month and a year: that is their own error)."""
    if not isinstance(payment, dict):
        return False
    month = payment.get("exp_month")
    if isinstance(month, float) and month.is_integer():
        month = int(month)
    try:
        year = four_digit_year(payment.get("exp_year"))
    except ValueError:
        return False
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        return False
    return (year, month) < (today.year, today.month)


_EXPIRED = "the card has expired"
