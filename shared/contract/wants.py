"""Favourites and wants (docs/api.md, Favourites, wants and notifications): limits, the order of
conditions, the notification kinds and the e-mail preference each kind obeys; the bodies of
the favourites and wants routes and their operations."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, WithJsonSchema, model_validator

from shared.contract.catalogue import CONDITIONS, PRICE_MAX, PRICE_MIN
from shared.contract.isbn import normalize_isbn
from shared.contract.model import Body, Query, Resource, rule
from shared.contract.operations import Operation
from shared.contract.paging import Page, PageQuery
from shared.contract.patterns import MONEY, SPACE, TIME, UUID, Schema
from shared.domain import Invalid

WANT_TEXT_MIN, WANT_TEXT_MAX = 2, 200
WANTS_PER_USER_MAX = 100
# Worst to best: a want's `min_condition` accepts that condition and every better one.
CONDITION_ORDER: tuple[str, ...] = ("acceptable", "good", "very_good", "like_new", "new")
assert set(CONDITION_ORDER) == set(CONDITIONS)

# Each preference (`/api/me/preferences`, `/my/settings`) and the kinds it governs.
PREFERENCES: dict[str, str] = {  # name -> how the settings page names it
    "orders": "My orders (placed, paid, shipped, delivered, cancelled, rejected)",
    "sales": "My sales",
    "wants": "Matches for my wants",
    "favourites": "Changes to my favourites",
}
KINDS: dict[str, str] = {  # kind -> its preference
    "order_placed": "orders",
    "order_paid": "orders",
    "order_shipped": "orders",
    "order_delivered": "orders",
    "order_cancelled": "orders",
    "order_rejected": "orders",
    "sale_made": "sales",
    "want_matched": "wants",
    "favourite_price_dropped": "favourites",
    "favourite_sold_out": "favourites",
    "favourite_back_in_stock": "favourites",
    "shipment_due": "sales",
    "shipment_shipped": "orders",
    "shipment_cancelled": "orders",
    "review_received": "sales",
}


def condition_at_least(condition: str, minimum: str | None) -> bool:
    """True when `condition` is `minimum` or better (no minimum: any condition)."""
    if minimum is None:
        return True
    if condition not in CONDITION_ORDER:
        return False
    return CONDITION_ORDER.index(condition) >= CONDITION_ORDER.index(minimum)


# --- the rules of a want's fields ---------------------------------------------------------------
# Each pattern is written in the dialect of shared/contract/patterns.py: SPACE is what Python's
# str.strip() and str.split() remove, EDGE any other character.
EDGE = r"[^\s\x1c-\x1f\x85]"
_SEP = r"[\s\x1c-\x1f\x85-]"  # what an ISBN may carry between its digits (normalize_isbn)
# Ten characters (the last may be an X) or thirteen digits, with spaces and hyphens anywhere.
ISBN_PATTERN = rf"{_SEP}*(([0-9]{_SEP}*){{9}}[0-9Xx]|([0-9]{_SEP}*){{12}}[0-9]){_SEP}*"
# 2 to 200 characters once the surrounding spaces are stripped.
WANT_TEXT_PATTERN = rf"^{SPACE}*{EDGE}[\s\S]{{0,{WANT_TEXT_MAX - 2}}}{EDGE}{SPACE}*$"
# 0.01 to 100000.00, at most two decimals; leading zeros and surrounding spaces are read away.
PRICE_PATTERN = (
    rf"^{SPACE}*0*(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{{0,4}}(\.[0-9]{{1,2}})?|100000(\.0{{1,2}})?)"
    rf"{SPACE}*$"
)
_ISBN_OR_BLANK = re.compile(rf"({ISBN_PATTERN})?|{_SEP}*")
_PRICE_TEXT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
BLANK: Schema = {"type": "string", "maxLength": 0}  # "", as a form's empty field: none
NULL: Schema = {"type": "null"}


def isbn_or_none(value: Any) -> str | None:
    """An ISBN-10 or ISBN-13 with a valid check digit, normalized; null or blank is none."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if not _ISBN_OR_BLANK.fullmatch(value):
        raise ValueError("must be an ISBN-10 or ISBN-13")
    return normalize_isbn(value)


def required_isbn(value: Any) -> str:
    """An ISBN (GET /api/wants/demand?isbn=): blank is missing."""
    isbn = isbn_or_none(value)
    if isbn is None:
        raise ValueError("is required")
    return isbn


def want_text(value: Any) -> str | None:
    """A title or author to look for: 2 to 200 characters once stripped, NFC with runs of
    spaces made one; null or "" is none."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string")
    stripped = value.strip()
    if not WANT_TEXT_MIN <= len(stripped) <= WANT_TEXT_MAX:
        raise ValueError(f"must be {WANT_TEXT_MIN} to {WANT_TEXT_MAX} characters")
    text = " ".join(unicodedata.normalize("NFC", stripped).split())
    # NFC lengthens a few characters (composition exclusions): then the text stays as typed.
    return text if len(text) <= WANT_TEXT_MAX else " ".join(stripped.split())


def price_or_none(value: Any) -> Decimal | None:
    """A price as the API takes money: a string or number with at most two decimals, from
    0.01 to 100000.00; null or "" is none."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be a decimal number")
    if not _PRICE_TEXT.fullmatch(text := str(value).strip()):
        raise ValueError("must be a positive amount with at most two decimals")
    price = Decimal(text)
    if not PRICE_MIN <= price <= PRICE_MAX:
        raise ValueError(f"must be from {PRICE_MIN} to {PRICE_MAX}")
    return price


def condition_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if value not in CONDITION_ORDER:
        raise ValueError(f"must be one of {', '.join(CONDITION_ORDER)}")
    return str(value)


PRICE_NUMBER: Schema = {
    "type": "number",
    "minimum": float(PRICE_MIN),
    "maximum": float(PRICE_MAX),
    "multipleOf": 0.01,
}
WantIsbn = Annotated[
    str | None,
    rule(
        isbn_or_none,
        {
            "anyOf": [{"type": "string", "pattern": f"^({ISBN_PATTERN})?$|^{_SEP}*$"}, NULL],
            "description": "ISBN-10 or ISBN-13 with a valid check digit",
        },
    ),
]
WantText = Annotated[
    str | None,
    rule(want_text, {"anyOf": [{"type": "string", "pattern": WANT_TEXT_PATTERN}, BLANK, NULL]}),
]
MaxPrice = Annotated[
    Decimal | None,
    rule(
        price_or_none,
        {"anyOf": [{"type": "string", "pattern": PRICE_PATTERN}, PRICE_NUMBER, BLANK, NULL]},
    ),
]
MinCondition = Annotated[
    str | None, rule(condition_or_none, {"enum": [*CONDITION_ORDER, "", None]})
]
Condition = Annotated[str, WithJsonSchema({"type": "string", "enum": list(CONDITIONS)})]
Id = Annotated[str, Field(json_schema_extra=UUID)]
Time = Annotated[str, Field(json_schema_extra=TIME)]
Money = Annotated[str, Field(json_schema_extra=MONEY)]


class WantCreate(Body):
    """An isbn, or a title and/or an author; each field may be null or "" (none)."""

    isbn: WantIsbn = None
    title: WantText = None
    author: WantText = None
    max_price: MaxPrice = None
    min_condition: MinCondition = None

    @model_validator(mode="after")
    def _names_a_book(self) -> WantCreate:
        if not (self.isbn or self.title or self.author):
            fields = {"isbn": "give an isbn, or a title and/or an author"}
            raise Invalid("The want is not valid.", fields=fields)
        return self


class WantMatch(Resource):
    book_id: Id
    title: str
    price: Money
    condition: Condition
    matched_at: Time


class Want(Resource):
    id: Id
    isbn: str | None
    title: str | None
    author: str | None
    max_price: Money | None
    min_condition: Annotated[str | None, WithJsonSchema({"enum": [*CONDITION_ORDER, None]})]
    created_at: Time
    matches: list[WantMatch]


class WantPage(Page):
    items: list[Want]


class DemandQuery(Query):
    isbn: Annotated[
        str,
        rule(
            required_isbn,
            {
                "type": "string",
                "pattern": f"^{ISBN_PATTERN}$",
                "description": "ISBN-10 or ISBN-13 with a valid check digit",
            },
        ),
    ]


class Demand(Resource):
    isbn: str
    wanting: Annotated[int, Field(ge=0)]


class FavouriteBook(Resource):
    id: Id
    title: str
    author: str
    price: Money
    condition: Condition
    stock: Annotated[int, Field(ge=0)]
    cover_url: str | None


class Favourite(Resource):
    book: FavouriteBook
    price_when_added: Money
    added_at: Time


class FavouritePage(Page):
    items: list[Favourite]


TAG = "notifications"
OPERATIONS = (
    Operation(
        "GET",
        "/api/me/favourites",
        "The caller's favourites, newest first",
        TAG,
        query=PageQuery,
        response=FavouritePage,
        errors=(422,),
    ),
    Operation(
        "PUT",
        "/api/me/favourites/{book_id}",
        "Favourite a book (a second time changes nothing)",
        TAG,
        response=Favourite,
        errors=(404, 409),
    ),
    Operation(
        "DELETE",
        "/api/me/favourites/{book_id}",
        "Unfavourite a book",
        TAG,
        ok=204,
        errors=(404,),
    ),
    Operation(
        "GET",
        "/api/me/wants",
        "The caller's wants, newest first, with their matches",
        TAG,
        query=PageQuery,
        response=WantPage,
        errors=(422,),
    ),
    Operation(
        "POST",
        "/api/me/wants",
        "Add a want (matched at once against the listings in stock)",
        TAG,
        ok=201,
        body=WantCreate,
        response=Want,
    ),
    Operation("DELETE", "/api/me/wants/{want_id}", "Delete a want", TAG, ok=204, errors=(404,)),
    Operation(
        "GET",
        "/api/wants/demand",
        "How many users want an ISBN (either form)",
        TAG,
        query=DemandQuery,
        response=Demand,
        errors=(422,),
    ),
)
