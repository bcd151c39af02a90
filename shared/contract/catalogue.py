"""Listing rules and bodies (docs/api.md, Catalogue): conditions, categories, languages, limits,
sorts; the book as it is listed (`BookCreate`), edited (`BookPatch`) and shown (`Book`); the
filters of `GET /api/books` (`BrowseQuery`) and the operations of the catalogue."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, WithJsonSchema

from shared.contract.isbn import normalize_isbn
from shared.contract.model import Body, Resource, rule, whole
from shared.contract.operations import Operation
from shared.contract.paging import Page, PageQuery
from shared.contract.patterns import MONEY, MULTILINE, SPACE, TIME, UUID, any_case, line, nullable

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


# --- Field rules: each check accepts exactly what its published schema does ---------------

Condition = Literal["new", "like_new", "very_good", "good", "acceptable"]  # = CONDITIONS
SortName = Literal["relevance", "newest", "price_asc", "price_desc"]  # = SORTS
YEAR_MAX = datetime.now(UTC).year + 1  # next year's books are announced already
ISBN_MAX = 20  # 13 digits and their hyphens or spaces
QUERY_MAX = 500  # the search text of GET /api/books
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"[\r\n\t]")
# 0.01 to 100000.00 with at most two decimals, no leading zeros.
PRICE_PATTERN = r"(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,4}(\.[0-9]{1,2})?|100000(\.0{1,2})?)"
PRICE_IN: dict[str, Any] = {
    "oneOf": [
        {"type": "string", "pattern": rf"^{SPACE}*{PRICE_PATTERN}{SPACE}*$", "example": "12.50"},
        {"type": "number", "minimum": 0.01, "maximum": 100000, "multipleOf": 0.01},
    ],
    "description": "a string or a number with at most two decimals, 0.01 to 100000.00",
}
_PRICE = re.compile(rf"{SPACE}*{PRICE_PATTERN}{SPACE}*")
_ISBN_CHARS = r"[0-9Xx \t-]*"


def padded(
    words: list[str] | tuple[str, ...], *, blank: bool = False, any_letter_case: bool = False
) -> str:
    """A whole-value pattern for one of `words` between whitespace Python strips (`blank`: or
    nothing at all)."""
    choice = any_case(list(words)) if any_letter_case else "|".join(map(re.escape, words))
    return rf"^{SPACE}*({choice}){'?' if blank else ''}{SPACE}*$"


CATEGORY_PATTERN = padded(CATEGORIES, any_letter_case=True)
LANGUAGE_PATTERN = padded(sorted(LANGUAGES), blank=True, any_letter_case=True)
_CATEGORY, _LANGUAGE = re.compile(CATEGORY_PATTERN), re.compile(LANGUAGE_PATTERN)


def parse_money(value: Any) -> Decimal:
    """A string or JSON number with at most two decimals, as an exact Decimal."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError('must be a decimal number, e.g. "12.50"')
    text = value.strip() if isinstance(value, str) else repr(value)
    if not re.fullmatch(r"-?[0-9]{1,9}(\.[0-9]{1,2})?", text):
        if re.fullmatch(r"-?[0-9]+\.[0-9]{3,}", text):
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


def _price(value: Any) -> Decimal:
    price = parse_money(value)
    if not PRICE_MIN <= price <= PRICE_MAX:
        raise ValueError("must be between 0.01 and 100000.00")
    if isinstance(value, str) and not _PRICE.fullmatch(value):
        raise ValueError('must be written without leading zeros, e.g. "12.50"')
    return price


def _text(*, high: int) -> Callable[[Any], str]:
    """One line: NFC, trimmed, no control characters, 1 to `high` characters."""

    def check(value: Any) -> str:
        if value is None:
            raise ValueError("must not be null")
        if not isinstance(value, str):
            raise ValueError("must be a string")
        value = unicodedata.normalize("NFC", value).strip()
        if _CONTROL.search(value) or _LINE_BREAKS.search(value):
            raise ValueError("must not contain control characters")
        if not value:
            raise ValueError("must not be empty")
        if len(value) > high:
            raise ValueError(f"must be at most {high} characters")
        return value

    return check


def _description(value: Any) -> str:
    """Text of any lines, NFC and trimmed; null is none (""). Judged as sent, as published."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    value, sent = unicodedata.normalize("NFC", value).strip(), len(value)
    if max(sent, len(value)) > DESCRIPTION_MAX:
        raise ValueError(f"must be at most {DESCRIPTION_MAX} characters")
    return value


def _isbn(value: Any) -> str | None:
    """ISBN-10 or ISBN-13 with a valid check digit, normalized; blank or null is none."""
    if isinstance(value, str) and (len(value) > ISBN_MAX or not re.fullmatch(_ISBN_CHARS, value)):
        raise ValueError("must be an ISBN-10 or ISBN-13")
    return normalize_isbn(value)


def check_category(value: Any) -> str:
    """One of the fixed list, matched case-insensitively, returned in the list's spelling."""
    if value is None:
        raise ValueError("must not be null")
    found = category(value) if isinstance(value, str) and _CATEGORY.fullmatch(value) else None
    if found is None:
        raise ValueError("must be one of the categories of GET /api/categories")
    return found


def _language(value: Any) -> str | None:
    """An ISO 639-1 code (`en`), stored lower-case; blank or null is none."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if not _LANGUAGE.fullmatch(value):
        raise ValueError('must be an ISO 639-1 language code, e.g. "en"')
    return language(value) if value.strip() else None


Title = Annotated[str, rule(_text(high=TITLE_MAX), line(TITLE_MAX))]
Author = Annotated[str, rule(_text(high=AUTHOR_MAX), line(AUTHOR_MAX))]
Isbn = Annotated[
    str | None,
    rule(
        _isbn,
        nullable(
            {
                "type": "string",
                "maxLength": ISBN_MAX,
                "pattern": f"^{_ISBN_CHARS}$",
                "description": "ISBN-10 or ISBN-13 with a valid check digit; empty is none",
            }
        ),
    ),
]
Category = Annotated[
    str,
    rule(
        check_category,
        {
            "type": "string",
            "pattern": CATEGORY_PATTERN,
            "description": "one of GET /api/categories, in any letter case",
        },
    ),
]
Description = Annotated[
    str,
    rule(
        _description,
        nullable({"type": "string", "maxLength": DESCRIPTION_MAX, "pattern": MULTILINE}),
    ),
]
Language = Annotated[
    str | None,
    rule(
        _language,
        nullable(
            {
                "type": "string",
                "pattern": LANGUAGE_PATTERN,
                "description": "an ISO 639-1 code, e.g. en; empty is none",
            }
        ),
    ),
]
Year = Annotated[int | None, whole(1, YEAR_MAX, null=True)]
Price = Annotated[Decimal, rule(_price, PRICE_IN)]
Stock = Annotated[int, whole(0, STOCK_MAX)]


def _no_defaults(schema: dict[str, Any]) -> None:
    """A patch's fields have no default: an absent one is left as it is."""
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


class BookCreate(Body):
    """A new listing; `currency` is accepted for symmetry with the answers (always USD)."""

    title: Title
    author: Author
    condition: Condition
    price: Price
    isbn: Isbn = None
    category: Category = DEFAULT_CATEGORY
    description: Description = ""
    language: Language = None
    published_year: Year = None
    stock: Stock = 1
    currency: Literal["USD"] = "USD"


ABSENT: Any = None  # a patch's field that was not sent (`model_fields_set` says which were)


class BookPatch(Body):
    """Any subset of the writable fields, the empty one included (a no-op); only the fields
    sent (`model_fields_set`) change."""

    model_config = ConfigDict(json_schema_extra=_no_defaults)

    title: Title = ABSENT
    author: Author = ABSENT
    condition: Condition = ABSENT
    price: Price = ABSENT
    isbn: Isbn = None
    category: Category = ABSENT
    description: Description = ABSENT
    language: Language = None
    published_year: Year = None
    stock: Stock = ABSENT
    currency: Literal["USD"] = ABSENT


# --- Answers ---------------------------------------------------------------------------

Id = Annotated[str, Field(json_schema_extra=UUID)]
Time = Annotated[str, Field(json_schema_extra=TIME)]
Money = Annotated[str, Field(json_schema_extra=MONEY)]
Counted = Annotated[int, Field(ge=0)]


class SellerRating(Resource):
    average: float | None  # null until the first review
    count: Counted


class Book(Resource):
    id: Id
    seller_id: Id
    seller_name: str
    seller_rating: SellerRating
    title: str
    author: str
    isbn: str | None
    category: Annotated[str, Field(json_schema_extra={"enum": list(CATEGORIES)})]
    condition: Condition
    description: str
    language: str | None
    published_year: int | None
    price: Money
    currency: Literal["USD"]
    stock: Annotated[int, Field(ge=0, le=STOCK_MAX)]
    cover_url: str | None
    version: Annotated[int, Field(ge=1)]  # goes up with every change
    created_at: Time
    updated_at: Time


class Count(Resource):
    name: str
    count: Counted


class PriceBucket(Resource):
    min: Money
    max: Annotated[Money | None, Field(description="exclusive; null: no limit")]
    count: Counted


class Facets(Resource):
    """How many books of the query fall in each category, condition and price bucket."""

    category: list[Count]
    condition: list[Count]
    price: list[PriceBucket]


class BookPage(Page):
    items: list[Book]
    did_you_mean: Annotated[
        str | None, Field(description="a corrected query (searches with q only)")
    ] = None
    facets: Annotated[Facets | None, Field(description="with facets=true only")] = None


class Categories(Resource):
    items: list[Count]


# --- GET /api/books: blank filters are no filter, as a form's blank field ----------------

_BLANK = {"type": "string", "pattern": rf"^{SPACE}*$"}
_TRUTH = ["true", "1", "yes", "false", "0", "no"]


def _filter(schema: dict[str, Any], description: str | None = None) -> WithJsonSchema:
    extra = {"description": description} if description else {}
    return WithJsonSchema({"anyOf": [_BLANK, schema], **extra})


_MONEY_FILTER = {"type": "string", "pattern": rf"^{SPACE}*[0-9]{{1,9}}(\.[0-9]{{1,2}})?{SPACE}*$"}
_UUID_FILTER = {
    "type": "string",
    "pattern": rf"^{SPACE}*[0-9a-fA-F]{{8}}(-[0-9a-fA-F]{{4}}){{3}}-[0-9a-fA-F]{{12}}{SPACE}*$",
}


def _flag(description: str) -> WithJsonSchema:
    """A true/false query parameter as the catalogue reads it (1/0, yes/no; blank: false)."""
    pattern = padded(_TRUTH, blank=True, any_letter_case=True)
    return WithJsonSchema({"type": "string", "pattern": pattern, "description": description})


class BrowseQuery(PageQuery):
    """The filters and sort of `GET /api/books` (catalog_service/browse.py reads them)."""

    q: Annotated[str, Field(max_length=QUERY_MAX, description="words, or an ISBN")] = ""
    category: Annotated[
        str, _filter({"type": "string", "pattern": CATEGORY_PATTERN}, "in any letter case")
    ] = ""
    author: Annotated[str, Field(max_length=AUTHOR_MAX, description="part of the name")] = ""
    condition: Annotated[str, _filter({"type": "string", "pattern": padded(list(CONDITIONS))})] = ""
    min_price: Annotated[str, _filter(_MONEY_FILTER)] = ""
    max_price: Annotated[str, _filter(_MONEY_FILTER, "not below min_price")] = ""
    seller_id: Annotated[str, _filter(_UUID_FILTER)] = ""
    sort: Annotated[
        str,
        _filter(
            {"type": "string", "pattern": padded(list(SORTS))},
            "default: relevance with q, else newest",
        ),
    ] = ""
    include_sold_out: Annotated[str, _flag("true or false (also 1/0, yes/no); blank: false")] = (
        "false"
    )
    facets: Annotated[str, _flag("true adds the counts by category, condition and price")] = "false"


OPERATIONS = (
    Operation(
        "GET",
        "/api/books",
        "Browse or search books in stock",
        "catalogue",
        response=BookPage,
        query=BrowseQuery,
        errors=(422,),
    ),
    Operation(
        "POST",
        "/api/books",
        "List a book for sale",
        "catalogue",
        ok=201,
        body=BookCreate,
        response=Book,
        openapi={"responses": {"201": {"headers": {"Location": {"schema": {"type": "string"}}}}}},
    ),
    Operation("GET", "/api/books/{book_id}", "One book", "catalogue", response=Book, errors=(404,)),
    Operation(
        "PATCH",
        "/api/books/{book_id}",
        "Edit a listing",
        "catalogue",
        body=BookPatch,
        response=Book,
        errors=(403, 404),
    ),
    Operation(
        "DELETE", "/api/books/{book_id}", "Delete a listing", "catalogue", ok=204, errors=(403, 404)
    ),
    Operation(
        "GET",
        "/api/books/{book_id}/cover",
        "The cover image",
        "catalogue",
        errors=(404,),
        openapi={
            "responses": {
                "200": {
                    "content": {
                        kind: {"schema": {"type": "string", "format": "binary"}}
                        for kind in ("image/jpeg", "image/png", "image/webp")
                    }
                }
            }
        },
    ),
    Operation(
        "PUT",
        "/api/books/{book_id}/cover",
        "Upload the cover image",
        "catalogue",
        response=Book,
        errors=(400, 403, 404, 413, 415, 422),
        openapi={
            "requestBody": {
                "required": True,
                "content": {
                    **{
                        kind: {"schema": {"type": "string", "format": "binary"}}
                        for kind in ("image/jpeg", "image/png", "image/webp")
                    },
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        },
                        "encoding": {"file": {"contentType": "image/jpeg, image/png, image/webp"}},
                    },
                },
            }
        },
    ),
    Operation("GET", "/api/categories", "Categories with counts", "catalogue", response=Categories),
    Operation(
        "GET",
        "/api/me/books",
        "The caller's listings",
        "catalogue",
        response=BookPage,
        query=PageQuery,
        errors=(422,),
    ),
)
