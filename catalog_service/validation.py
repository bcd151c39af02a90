"""Input rules of docs/api.md (Catalogue): pure functions, no I/O, every refusal per field."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.contract import catalogue as contract
from shared.contract.isbn import isbn_forms, normalize_isbn  # noqa: F401 (re-exported)
from shared.web.errors import ValidationError

CONDITIONS = tuple(contract.CONDITIONS)
WRITABLE = frozenset(
    {
        "title",
        "author",
        "isbn",
        "category",
        "condition",
        "description",
        "language",
        "published_year",
        "price",
        "stock",
        "currency",
    }
)
REQUIRED = ("title", "author", "condition", "price")
DEFAULTS: dict[str, Any] = {"stock": 1, "category": contract.DEFAULT_CATEGORY, "description": ""}
MIN_PRICE, MAX_PRICE = contract.PRICE_MIN, contract.PRICE_MAX
MAX_STOCK = contract.STOCK_MAX
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"[\r\n\t]")


def parse_money(value: Any) -> Decimal:
    """A string or JSON number with at most two decimals, as an exact Decimal."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError('must be a decimal number, e.g. "12.50"')
    text = value.strip() if isinstance(value, str) else repr(value)
    if not re.fullmatch(r"-?\d{1,9}(\.\d{1,2})?", text):
        if re.fullmatch(r"-?\d+\.\d{3,}", text):
            raise ValueError("must have at most two decimals")
        if "," in text:  # "8,50" is never read as 850: refused, saying how to write it
            raise ValueError(
                'must use a dot for the decimals, e.g. "8.50" (no thousands separator)'
            )
        raise ValueError('must be a decimal number, e.g. "12.50"')
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover (the pattern already refused it)
        raise ValueError("must be a decimal number") from None


def format_money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _text(*, low: int, high: int, multiline: bool = False) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        value = unicodedata.normalize("NFC", value).strip()
        if _CONTROL.search(value) or (not multiline and _LINE_BREAKS.search(value)):
            raise ValueError("must not contain control characters")
        if len(value) < low:
            raise ValueError("must not be empty" if low == 1 else f"needs {low}+ characters")
        if len(value) > high:
            raise ValueError(f"must be at most {high} characters")
        return value

    return check


def _integer(*, low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return check


def _price(value: Any) -> Decimal:
    price = parse_money(value)
    if not MIN_PRICE <= price <= MAX_PRICE:
        raise ValueError("must be between 0.01 and 100000.00")
    return price


def _condition(value: Any) -> str:
    if value not in CONDITIONS:
        raise ValueError(f"must be one of: {', '.join(CONDITIONS)}")
    return str(value)


def _category(value: Any) -> str:
    """One of the fixed list, matched case-insensitively, returned in the list's spelling."""
    found = contract.category(value) if isinstance(value, str) else None
    if found is None:
        raise ValueError("must be one of the categories of GET /api/categories")
    return found


def _language(value: Any) -> str | None:
    """An ISO 639-1 code (`en`), stored lower-case; blank is none."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if not value.strip():
        return None
    found = contract.language(value)
    if found is None:
        raise ValueError('must be an ISO 639-1 language code, e.g. "en"')
    return found


def _currency(value: Any) -> str:
    if value != "USD":
        raise ValueError('must be "USD"')
    return "USD"


def _year(value: Any) -> int:
    return _integer(low=1, high=datetime.now(UTC).year + 1)(value)


CHECKS: dict[str, Callable[[Any], Any]] = {
    "title": _text(low=1, high=contract.TITLE_MAX),
    "author": _text(low=1, high=contract.AUTHOR_MAX),
    "isbn": normalize_isbn,
    "category": _category,
    "condition": _condition,
    "description": _text(low=0, high=contract.DESCRIPTION_MAX, multiline=True),
    "language": _language,
    "published_year": _year,
    "price": _price,
    "stock": _integer(low=0, high=MAX_STOCK),
    "currency": _currency,
}
NULLABLE = frozenset({"isbn", "language", "published_year", "description"})


def clean_book(payload: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Validated, normalized writable fields; ValidationError naming every bad field."""
    errors: dict[str, str] = {name: "unknown field" for name in set(payload) - WRITABLE}
    if not partial:
        errors.update({name: "is required" for name in REQUIRED if payload.get(name) is None})
    cleaned: dict[str, Any] = {} if partial else dict(DEFAULTS)
    for name, value in payload.items():
        if name in errors or name not in CHECKS:
            continue
        if value is None:
            if name in NULLABLE:
                cleaned[name] = "" if name == "description" else None
            else:
                errors[name] = "must not be null"
            continue
        try:
            cleaned[name] = CHECKS[name](value)
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationError(dict(sorted(errors.items())))
    cleaned.pop("currency", None)  # always USD: accepted for symmetry with the responses
    return cleaned
