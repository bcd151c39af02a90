"""Which wants a listing matches (docs/api.md, Favourites, wants and notifications): pure rules.

A want names an ISBN, or a title and/or an author. A listing matches when its ISBN equals the
want's (both as ISBN-13, so an ISBN-10 and its 978 form are one book), or when the want's title
and author are each contained in the listing's, ignoring case and accents; and its price is at
most `max_price`, its condition at least `min_condition`, and it is not the wanter's own listing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from shared.contract.wants import condition_at_least

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case- and accent-insensitive form: NFKD without combining marks, casefolded, one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.casefold()).strip()


@dataclass(frozen=True)
class Listing:
    book_id: str
    seller_id: str
    title: str
    author: str
    isbn13: str | None
    condition: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class WantRule:
    want_id: str
    user_id: str
    isbn13: str | None
    title_key: str | None
    author_key: str | None
    max_price: Decimal | None
    min_condition: str | None


def matches(want: WantRule, listing: Listing) -> bool:
    """True when `listing` satisfies `want` (see the module docstring)."""
    if listing.seller_id == want.user_id or listing.stock <= 0:
        return False
    if want.max_price is not None and listing.price > want.max_price:
        return False
    if not condition_at_least(listing.condition, want.min_condition):
        return False
    if want.isbn13 is not None:
        return listing.isbn13 == want.isbn13
    title, author = fold(listing.title), fold(listing.author)
    if want.title_key and want.title_key not in title:
        return False
    if want.author_key and want.author_key not in author:
        return False
    return bool(want.title_key or want.author_key)


def matching(wants: list[WantRule], listing: Listing) -> list[WantRule]:
    """The wants among `wants` that `listing` matches."""
    return [want for want in wants if matches(want, listing)]
