"""Parsing and validating request bodies into typed values (422 with per-field messages)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from order_service.payments import Card
from shared.contract.orders import ADDRESS_FIELDS, CARD_HOLDER_MAX, QUANTITY_MAX, QUANTITY_MIN
from shared.countries import ISO_COUNTRIES as COUNTRIES
from shared.web.errors import ValidationError

CARD_FIELDS = frozenset({"card_number", "exp_month", "exp_year", "cvc", "holder"})
UUID_RE = re.compile(r"^[0-9a-fA-F-]{36}$")
MAX_LINES = 50


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


def parse_quantity(value: Any) -> int:
    """A cart or order quantity, 1-99."""
    wrong = isinstance(value, bool) or not isinstance(value, int)
    if wrong or not QUANTITY_MIN <= value <= QUANTITY_MAX:
        raise ValidationError(
            {"quantity": f"must be an integer from {QUANTITY_MIN} to {QUANTITY_MAX}"}
        )
    return value


def parse_checkout(body: dict[str, Any], *, today: datetime | None = None) -> Checkout:
    """The body of POST /api/orders, every problem reported at once."""
    errors: dict[str, str] = {}
    lines = _lines(body, errors)
    address = _address(body.get("shipping_address"), errors)
    card = _card(body.get("payment"), errors, today or datetime.now(UTC))
    if errors:
        raise ValidationError(errors)
    assert address is not None and card is not None
    return Checkout(lines=lines, from_cart=bool(body.get("from_cart")), address=address, card=card)


def _lines(body: dict[str, Any], errors: dict[str, str]) -> tuple[Line, ...]:
    from_cart, items = body.get("from_cart"), body.get("items")
    if from_cart not in (None, True, False):
        errors["from_cart"] = "must be true or false"
    if from_cart is True:
        if items is not None:
            errors["items"] = "give either items or from_cart, not both"
        return ()
    if not isinstance(items, list) or not items or len(items) > MAX_LINES:
        errors["items"] = f"must be a list of 1 to {MAX_LINES} items (or from_cart: true)"
        return ()
    lines: list[Line] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or set(item) - {"book_id", "quantity"}:
            errors[f"items[{i}]"] = "must be an object with book_id and quantity only"
        elif not isinstance(item.get("book_id"), str) or not UUID_RE.match(item["book_id"]):
            errors[f"items[{i}].book_id"] = "must be a book id"
        else:
            quantity = item.get("quantity", 1)
            try:
                lines.append(Line(item["book_id"].lower(), parse_quantity(quantity)))
            except ValidationError as exc:
                errors[f"items[{i}].quantity"] = (exc.fields or {})["quantity"]
    if len({line.book_id for line in lines}) != len(lines):
        errors["items"] = "each book may appear only once"
    return tuple(lines)


def _address(raw: Any, errors: dict[str, str]) -> dict[str, str] | None:
    if not isinstance(raw, dict):
        errors["shipping_address"] = "is required: name, line1, line2?, city, postal_code, country"
        return None
    for name in sorted(set(raw) - set(ADDRESS_FIELDS) - {"country"}):
        errors[f"shipping_address.{name}"] = "unknown field"
    address: dict[str, str] = {}
    for name, limit in ADDRESS_FIELDS.items():
        value = raw.get(name)
        if value is None and name == "line2":
            continue
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
            errors[f"shipping_address.{name}"] = f"must be text of 1 to {limit} characters"
        else:
            address[name] = value.strip()
    country = raw.get("country")
    if not isinstance(country, str) or country.strip().upper() not in COUNTRIES:
        errors["shipping_address.country"] = "must be an ISO 3166 alpha-2 country code"
    else:
        address["country"] = country.strip().upper()
    return address


def luhn_valid(number: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(number)):
        digit = int(char) * (2 if i % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def _card(raw: Any, errors: dict[str, str], today: datetime) -> Card | None:
    if not isinstance(raw, dict):
        errors["payment"] = "is required: card_number, exp_month, exp_year, cvc, holder"
        return None
    before = len(errors)
    for name in sorted(set(raw) - CARD_FIELDS):
        errors[f"payment.{name}"] = "unknown field"
    number = raw.get("card_number")
    number = re.sub(r"[ -]", "", number) if isinstance(number, str) else ""
    if not re.fullmatch(r"\d{12,19}", number) or not luhn_valid(number):
        errors["payment.card_number"] = "is not a valid card number"
    month, year = _expiry(raw.get("exp_month"), raw.get("exp_year"), errors, today)
    cvc = raw.get("cvc")
    if not isinstance(cvc, str) or not re.fullmatch(r"\d{3,4}", cvc):
        errors["payment.cvc"] = "must be 3 or 4 digits"
    holder = raw.get("holder")
    if not isinstance(holder, str) or not holder.strip() or len(holder) > CARD_HOLDER_MAX:
        errors["payment.holder"] = (
            f"must be the name on the card (1 to {CARD_HOLDER_MAX} characters)"
        )
    if len(errors) > before:
        return None
    assert isinstance(cvc, str) and isinstance(holder, str)
    return Card(number=number, exp_month=month, exp_year=year, cvc=cvc, holder=holder.strip())


def _expiry(month: Any, year: Any, errors: dict[str, str], today: datetime) -> tuple[int, int]:
    """(month, four-digit year); a card is valid through the last day of its month."""
    if not _is_int(month) or not 1 <= month <= 12:
        errors["payment.exp_month"] = "must be a month from 1 to 12"
        month = 0
    if not _is_int(year) or not (0 <= year <= 99 or 2000 <= year <= 2100):
        errors["payment.exp_year"] = "must be a year such as 2028"
        return int(month), 0
    year = year + 2000 if year < 100 else year
    if month and (year, month) < (today.year, today.month):
        errors["payment.exp_year"] = "the card has expired"
    return int(month), int(year)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
