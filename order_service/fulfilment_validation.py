"""Request bodies of the fulfilment routes -> typed values (422 with per-field messages).

The limits are the contract's (shared/contract/fulfilment.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from shared.contract import fulfilment as rules
from shared.web.errors import ValidationError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tabs and line breaks allowed
_MONEY = re.compile(rules.PAYOUT_AMOUNT_PATTERN)


def _text(value: Any, low: int, high: int, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    value = value.strip()
    if (_CONTROL_IN_TEXT if multiline else _CONTROL).search(value):
        raise ValueError("must not contain control characters")
    if not low <= len(value) <= high:
        raise ValueError(f"must be {low} to {high} characters")
    return value


def _fields(body: dict[str, Any], checks: dict[str, Any]) -> dict[str, Any]:
    """Run each field's check; every problem reported at once."""
    found, errors = {}, {}
    for name, check in checks.items():
        try:
            found[name] = check(body.get(name))
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationError(errors)
    return found


def parse_ship(body: dict[str, Any]) -> tuple[str, str]:
    """{carrier: 1–40, tracking_number: 4–40}."""
    found = _fields(
        body,
        {
            "carrier": lambda v: _text(v, rules.CARRIER_MIN, rules.CARRIER_MAX),
            "tracking_number": lambda v: _text(v, rules.TRACKING_MIN, rules.TRACKING_MAX),
        },
    )
    return found["carrier"], found["tracking_number"]


def parse_cancel(body: dict[str, Any]) -> str:
    """{reason}: what the buyer reads."""
    low, high = rules.CANCEL_REASON_MIN, rules.CANCEL_REASON_MAX
    return str(_fields(body, {"reason": lambda v: _text(v, low, high)})["reason"])


def _rating(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be an integer from {rules.RATING_MIN} to {rules.RATING_MAX}")
    if not rules.RATING_MIN <= value <= rules.RATING_MAX:
        raise ValueError(f"must be an integer from {rules.RATING_MIN} to {rules.RATING_MAX}")
    return value


def _comment(value: Any) -> str | None:
    if value is None:
        return None
    return _text(value, 0, rules.REVIEW_COMMENT_MAX, multiline=True) or None


def parse_review(body: dict[str, Any]) -> tuple[int, str | None]:
    """{rating: 1–5, comment?: ≤ 1000}."""
    found = _fields(body, {"rating": _rating, "comment": _comment})
    return found["rating"], found["comment"]


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def parse_settings(body: dict[str, Any]) -> bool:
    """{auto_ship: bool}."""
    return bool(_fields(body, {"auto_ship": _flag})["auto_ship"])


def _amount(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError('must be a decimal number, e.g. "12.50"')
    text = value if isinstance(value, str) else repr(value)  # 5 -> "5", 5.5 -> "5.5"
    if not _MONEY.fullmatch(text):
        raise ValueError('must be a positive amount with at most two decimals, e.g. "12.50"')
    return Decimal(text)


def parse_payout(body: dict[str, Any]) -> Decimal | None:
    """{amount?}: None means all of the available balance."""
    found: Decimal | None = _fields(body, {"amount": _amount})["amount"]
    return found


def parse_status(value: str | None) -> str | None:
    """The `?status=` filter of the seller's shipments (blank: all)."""
    if not value:
        return None
    if value not in rules.SHIPMENT_STATUSES:
        raise ValidationError({"status": f"must be one of {', '.join(rules.SHIPMENT_STATUSES)}"})
    return value
