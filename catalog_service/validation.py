"""The catalogue's input: the bodies of shared/contract/catalogue.py, read into the fields a
listing is created or edited with."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from shared.contract import catalogue as contract
from shared.contract.catalogue import BookCreate, BookPatch, parse_money
from shared.contract.isbn import isbn_forms, normalize_isbn
from shared.contract.model import parse

__all__ = ["clean_book", "format_money", "isbn_forms", "normalize_isbn", "parse_money"]

CONDITIONS = tuple(contract.CONDITIONS)
# What a new listing gets when they are not sent.
DEFAULTS: dict[str, Any] = {"stock": 1, "category": contract.DEFAULT_CATEGORY, "description": ""}


def format_money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def clean_book(payload: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """The fields sent, validated and normalized (a new listing's defaults added unless
    `partial`); Invalid (422) naming every bad field."""
    form = parse(BookPatch if partial else BookCreate, payload)
    cleaned = {} if partial else dict(DEFAULTS)
    cleaned.update({name: getattr(form, name) for name in form.model_fields_set})
    cleaned.pop("currency", None)  # always USD: accepted for symmetry with the responses
    return cleaned
