"""ISBNs (docs/api.md, Catalogue): ISBN-10 or ISBN-13 with a valid check digit, stored normalized.

Written once here: the catalogue validates listings with it and the notification service matches
wants with it (an ISBN-10 and its 978 ISBN-13 are the same book).
"""

from __future__ import annotations

import re
from typing import Any


def normalize_isbn(value: Any) -> str | None:
    """ISBN-10 or ISBN-13 with a valid check digit; hyphens and spaces removed; '' is none."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string")
    digits = re.sub(r"[\s-]", "", value).upper()
    if not digits:
        return None
    if len(digits) == 10 and re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        if total % 11 == 0:
            return digits
        raise ValueError("has a wrong check digit")
    if len(digits) == 13 and digits.isdigit():
        total = sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits))
        if total % 10 == 0:
            return digits
        raise ValueError("has a wrong check digit")
    raise ValueError("must be an ISBN-10 or ISBN-13")


def isbn_forms(isbn: str) -> list[str]:
    """A normalized ISBN and its other form (ISBN-10 <-> 978 ISBN-13), so either finds a book."""
    if len(isbn) == 10:
        core = "978" + isbn[:9]
        check = (10 - sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(core)) % 10) % 10
        return [isbn, f"{core}{check}"]
    if isbn.startswith("978"):
        core = isbn[3:12]
        check = (11 - sum((10 - i) * int(c) for i, c in enumerate(core)) % 11) % 11
        return [isbn, core + ("X" if check == 10 else str(check))]
    return [isbn]


def isbn13(isbn: str) -> str:
    """The ISBN-13 form of a normalized ISBN: one key per book, whichever form was typed."""
    return next(form for form in isbn_forms(isbn) if len(form) == 13)
