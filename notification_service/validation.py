"""Input rules of the wants and notifications API (docs/api.md): pure, every refusal per field."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from notification_service.matching import fold
from shared.contract.catalogue import PRICE_MAX, PRICE_MIN
from shared.contract.isbn import isbn13, normalize_isbn
from shared.contract.wants import CONDITION_ORDER, PREFERENCES, WANT_TEXT_MAX, WANT_TEXT_MIN
from shared.domain import Invalid

WANT_FIELDS = frozenset({"isbn", "title", "author", "max_price", "min_condition"})
UUID_RE = re.compile(r"^[0-9a-fA-F-]{36}$")
_MONEY = re.compile(r"^\d{1,9}(\.\d{1,2})?$")


@dataclass(frozen=True)
class WantInput:
    isbn: str | None
    title: str | None
    author: str | None
    max_price: Decimal | None
    min_condition: str | None

    @property
    def isbn13(self) -> str | None:
        return isbn13(self.isbn) if self.isbn else None

    @property
    def title_key(self) -> str | None:
        return fold(self.title) if self.title else None

    @property
    def author_key(self) -> str | None:
        return fold(self.author) if self.author else None


def parse_want(body: dict[str, Any]) -> WantInput:
    """A want needs an ISBN, or a title and/or author; 422 naming each bad field."""
    errors: dict[str, str] = {}
    isbn = _field(errors, "isbn", body.get("isbn"), parse_isbn)
    title = _field(errors, "title", body.get("title"), _text)
    author = _field(errors, "author", body.get("author"), _text)
    max_price = _field(errors, "max_price", body.get("max_price"), parse_price)
    condition = _field(errors, "min_condition", body.get("min_condition"), _condition)
    if not errors and not (isbn or title or author):
        errors["isbn"] = "give an isbn, or a title and/or an author"
    if errors:
        raise Invalid("The want is not valid.", fields=errors)
    return WantInput(isbn, title, author, max_price, condition)


def _field(errors: dict[str, str], name: str, value: Any, parse: Any) -> Any:
    if value is None or value == "":
        return None
    try:
        return parse(value)
    except ValueError as exc:
        errors[name] = str(exc)
        return None


def parse_isbn(value: Any) -> str | None:
    return normalize_isbn(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not WANT_TEXT_MIN <= len(text) <= WANT_TEXT_MAX:
        raise ValueError(f"must be {WANT_TEXT_MIN} to {WANT_TEXT_MAX} characters")
    return text


def parse_price(value: Any) -> Decimal:
    """A price as the API takes money: a string or number with at most two decimals."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be a decimal number")
    text = str(value).strip()
    if not _MONEY.match(text):
        raise ValueError("must be a positive amount with at most two decimals")
    try:
        price = Decimal(text)
    except InvalidOperation:  # pragma: no cover (the pattern already refused it)
        raise ValueError("must be a decimal number") from None
    if not PRICE_MIN <= price <= PRICE_MAX:
        raise ValueError(f"must be from {PRICE_MIN} to {PRICE_MAX}")
    return price


def _condition(value: Any) -> str:
    if value not in CONDITION_ORDER:
        raise ValueError(f"must be one of {', '.join(CONDITION_ORDER)}")
    return str(value)


def parse_read(body: dict[str, Any]) -> list[str] | None:
    """`{"ids": [...]}` -> those ids; `{"all": true}` -> None (every notification)."""
    if body.get("all") is True and "ids" not in body:
        return None
    ids = body.get("ids")
    if "all" in body and body.get("all") is not True:
        raise Invalid("The request is not valid.", fields={"all": "must be true"})
    if not isinstance(ids, list) or not ids or len(ids) > 100:
        raise Invalid(
            "The request is not valid.", fields={"ids": "give 1 to 100 ids, or all: true"}
        )
    if not all(isinstance(i, str) and UUID_RE.match(i) for i in ids):
        raise Invalid("The request is not valid.", fields={"ids": "must be notification ids"})
    return [i.lower() for i in ids]


def parse_preferences(body: dict[str, Any]) -> dict[str, bool]:
    """`{"email": {"orders": bool, ...}}` with any of the preferences; 422 on anything else."""
    email = body.get("email")
    if not isinstance(email, dict):
        raise Invalid("The request is not valid.", fields={"email": "must be an object"})
    errors = {f"email.{k}": "unknown preference" for k in email if k not in PREFERENCES}
    errors |= {
        f"email.{k}": "must be true or false"
        for k, v in email.items()
        if k in PREFERENCES and not isinstance(v, bool)
    }
    if errors:
        raise Invalid("The request is not valid.", fields=errors)
    return dict(email)
