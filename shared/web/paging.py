"""`?page=&per_page=` of every list endpoint, and the page every list answers (docs/api.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.contract.paging import PAGE_MAX, PER_PAGE_DEFAULT, PER_PAGE_MAX
from shared.web.errors import ValidationError


@dataclass(frozen=True)
class Paging:
    page: int = 1
    per_page: int = PER_PAGE_DEFAULT

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def paging_args(args: Mapping[str, str]) -> Paging:
    """The request's paging; a 422 naming each bad parameter (blank means the default)."""
    errors: dict[str, str] = {}
    paging = Paging(
        _whole(args, "page", 1, PAGE_MAX, errors),
        _whole(args, "per_page", PER_PAGE_DEFAULT, PER_PAGE_MAX, errors),
    )
    if errors:
        raise ValidationError(errors)
    return paging


def page_json(items: Iterable[Any], paging: Paging, total: int) -> dict[str, Any]:
    """`{"items", "page", "per_page", "total"}`, the shape of every list."""
    return {"items": list(items), "page": paging.page, "per_page": paging.per_page, "total": total}


def _whole(args: Mapping[str, str], name: str, default: int, high: int, errors: dict) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= high:
        errors[name] = f"must be a whole number from 1 to {high}"
        return default
    return int(raw)
