"""Listing rules (docs/api.md, Catalogue): conditions, categories, languages, limits, sorts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

CONDITIONS: dict[str, str] = {  # value -> how pages name it
    "new": "New",
    "like_new": "Like new",
    "very_good": "Very good",
    "good": "Good",
    "acceptable": "Acceptable",
}
CATEGORIES: tuple[str, ...] = (
    "Fiction",
    "Science Fiction",
    "Fantasy",
    "Mystery & Thriller",
    "Romance",
    "Historical Fiction",
    "Classics",
    "Poetry",
    "Drama",
    "Children's",
    "Young Adult",
    "Comics & Graphic Novels",
    "Biography & Memoir",
    "History",
    "Science & Nature",
    "Philosophy",
    "Religion & Spirituality",
    "Politics & Society",
    "Business & Economics",
    "Computing",
    "Art & Photography",
    "Cookery",
    "Travel",
    "Health & Wellbeing",
    "Reference",
    "Other",
)
DEFAULT_CATEGORY = "Other"
# ISO 639-1 code -> English name (generated once from pycountry's ISO 639 data).
LANGUAGES: dict[str, str] = json.loads(
    (Path(__file__).with_name("languages.json")).read_text(encoding="utf-8")
)
TITLE_MAX = AUTHOR_MAX = 200
DESCRIPTION_MAX = 5000
STOCK_MAX = 10_000
PRICE_MIN, PRICE_MAX = Decimal("0.01"), Decimal("100000.00")
SORTS: dict[str, str] = {  # value -> how pages name it
    "relevance": "Best match",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
}
_CATEGORY_BY_FOLDED = {name.casefold(): name for name in CATEGORIES}


def category(value: str) -> str | None:
    """The category's own spelling for `value`, matched case-insensitively, or None."""
    return _CATEGORY_BY_FOLDED.get(value.strip().casefold())


def language(value: str) -> str | None:
    """The ISO 639-1 code for `value` (a code in any case), or None."""
    code = value.strip().lower()
    return code if code in LANGUAGES else None
