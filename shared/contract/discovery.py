"""Discovery and insight rules (docs/api.md, "Discovery and insight"), written once.

Used by catalog_service (recommendations, suggestions, facets), order_service (the sales
summary), the gateway's OpenAPI document and the web frontend.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from shared.contract.catalogue import Book
from shared.contract.model import Query, Resource
from shared.contract.operations import Operation
from shared.contract.patterns import SPACE, UUID

RECOMMENDATIONS_PER_ROW = 6
RECOMMENDATION_ROWS: tuple[str, ...] = ("also_bought", "same_author", "similar")
SUGGEST_MIN, SUGGEST_MAX = 2, 100  # characters of the typed prefix
SUGGESTIONS_MAX = 8
SALES_DAYS_MIN, SALES_DAYS_MAX, SALES_DAYS_DEFAULT = 1, 365, 30
TOP_BOOKS_MAX = 5
# Price facet buckets: [low, high) in USD; the last one is open-ended (high None).
PRICE_BUCKETS: tuple[tuple[Decimal, Decimal | None], ...] = (
    (Decimal("0.00"), Decimal("5.00")),
    (Decimal("5.00"), Decimal("10.00")),
    (Decimal("10.00"), Decimal("20.00")),
    (Decimal("20.00"), Decimal("50.00")),
    (Decimal("50.00"), None),
)
# The order statuses whose items count as sold (paid and not cancelled or rejected).
SOLD_STATUSES: tuple[str, ...] = ("paid", "shipped", "delivered")


# The typed prefix of GET /api/books/suggest: SUGGEST_MIN to SUGGEST_MAX characters as sent, and
# at least SUGGEST_MIN once the whitespace is stripped (catalog_service/suggest.py reads it).
_EDGE = r"[^\s\x1c-\x1f\x85]"
SUGGEST_PATTERN = rf"^{SPACE}*{_EDGE}[\s\S]*{_EDGE}{SPACE}*$"


class SuggestQuery(Query):
    q: Annotated[
        str, Field(max_length=SUGGEST_MAX, pattern=SUGGEST_PATTERN, description="what was typed")
    ]


class Suggestion(Resource):
    text: str
    kind: Literal["title", "author"]
    book_id: Annotated[str, Field(json_schema_extra=UUID)] | None  # a book of that title


class Suggestions(Resource):
    items: Annotated[list[Suggestion], Field(max_length=SUGGESTIONS_MAX)]


Row = Annotated[list[Book], Field(max_length=RECOMMENDATIONS_PER_ROW)]


class Recommendations(Resource):
    """Live books in stock, never the book itself nor (signed in) the caller's own listings."""

    also_bought: Row
    same_author: Row
    similar: Row


OPERATIONS = (
    Operation(
        "GET",
        "/api/books/suggest",
        "Titles and authors for a typed prefix",
        "catalogue",
        response=Suggestions,
        query=SuggestQuery,
        errors=(422,),
    ),
    Operation(
        "GET",
        "/api/books/{book_id}/recommendations",
        "Bought together, same author and similar books",
        "catalogue",
        response=Recommendations,
        errors=(404,),
    ),
)
