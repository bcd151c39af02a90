"""OpenAPI components: the schemas of docs/api.md (bodies, resources, the one error shape)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.contract import catalogue, discovery, paging
from shared.contract.patterns import (  # noqa: F401 (re-exported to the other legacy modules)
    MONEY,
    MULTILINE,
    SPACE,
    TIME,
    UUID,
    any_case,
    filled,
    line,
    trimmed,
)
from shared.web.errors import CODES

# 0.01 to 100000.00 with at most two decimals (what catalog_service/validation.py accepts).
PRICE_PATTERN = r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,4}(\.[0-9]{1,2})?|100000(\.0{1,2})?)$"

Schema = dict[str, Any]
ERROR_CODES = sorted(set(CODES.values()))
CONDITIONS = list(catalogue.CONDITIONS)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
    props: dict[str, Schema], required: list[str] | None = None, *, closed: bool = False
) -> Schema:
    """An object; `closed` ones (request bodies) reject unknown fields, as the API does (422)."""
    schema: Schema = {"type": "object", "properties": props}
    names = list(props) if required is None else required
    if names:  # OpenAPI 3.0 forbids an empty `required`; [] means nothing is required
        schema["required"] = names
    if closed:
        schema["additionalProperties"] = False
    return schema


def page_of(item: str) -> Schema:
    return obj(
        {
            "items": {"type": "array", "items": ref(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": paging.PER_PAGE_MAX},
            "total": {"type": "integer", "minimum": 0},
        }
    )


MONEY_IN: Schema = {
    "oneOf": [
        {"type": "string", "pattern": PRICE_PATTERN},
        {"type": "number", "minimum": 0.01, "maximum": 100000, "multipleOf": 0.01},
    ]
}
USD: Schema = {"type": "string", "enum": ["USD"]}
TEXT = lambda lo, hi: {"type": "string", "minLength": lo, "maxLength": hi}  # noqa: E731


NULLABLE = lambda s: {**s, "nullable": True}  # noqa: E731

BOOK_WRITABLE: dict[str, Schema] = {
    "title": line(catalogue.TITLE_MAX),
    "author": line(catalogue.AUTHOR_MAX),
    "isbn": NULLABLE(
        {
            "type": "string",
            "maxLength": 20,
            "pattern": r"^[0-9Xx \t-]*$",
            "description": "ISBN-10 or ISBN-13 with a valid check digit; empty is none",
        }
    ),
    "category": {
        "type": "string",
        "pattern": trimmed(f"({any_case(list(catalogue.CATEGORIES))})"),
        "description": "one of GET /api/categories, in any letter case",
    },
    "condition": {"type": "string", "enum": CONDITIONS},
    "description": NULLABLE({**TEXT(0, catalogue.DESCRIPTION_MAX), "pattern": MULTILINE}),
    "language": NULLABLE(
        {
            "type": "string",
            "pattern": trimmed(f"({any_case(sorted(catalogue.LANGUAGES))})?"),
            "description": "an ISO 639-1 code, e.g. en; empty is none",
        }
    ),
    "published_year": NULLABLE(
        {"type": "integer", "minimum": 1, "maximum": datetime.now(UTC).year + 1}
    ),
    "price": MONEY_IN,
    "stock": {"type": "integer", "minimum": 0, "maximum": catalogue.STOCK_MAX},
}
# Accepted in requests for symmetry with the responses (always USD).
BOOK_INPUT: dict[str, Schema] = {**BOOK_WRITABLE, "currency": {"type": "string", "enum": ["USD"]}}

SCHEMAS: dict[str, Schema] = {
    "Book": obj(
        {
            "id": UUID,
            "seller_id": UUID,
            "seller_name": {"type": "string"},
            "seller_rating": obj(
                {
                    "average": NULLABLE({"type": "number"}),
                    "count": {"type": "integer", "minimum": 0},
                }
            ),
            **{k: v for k, v in BOOK_WRITABLE.items() if k != "price"},
            "price": MONEY,
            "currency": USD,
            "cover_url": NULLABLE({"type": "string"}),
            "created_at": TIME,
            "updated_at": TIME,
        }
    ),
    "BookCreate": obj(BOOK_INPUT, ["title", "author", "condition", "price"], closed=True),
    # Any subset of the writable fields (docs/api.md), the empty one included: a no-op.
    "BookPatch": obj(BOOK_INPUT, [], closed=True),
    "BookPage": obj(
        {
            **page_of("Book")["properties"],
            "did_you_mean": NULLABLE(
                {"type": "string", "description": "a corrected query (searches with q only)"}
            ),
            "facets": ref("Facets"),
        },
        ["items", "page", "per_page", "total"],
    ),
    "Facets": obj(
        {
            "category": {"type": "array", "items": ref("Count")},
            "condition": {"type": "array", "items": ref("Count")},
            "price": {
                "type": "array",
                "items": obj(
                    {
                        "min": MONEY,
                        "max": NULLABLE({**MONEY, "description": "exclusive; null: no limit"}),
                        "count": {"type": "integer", "minimum": 0},
                    }
                ),
            },
        }
    ),
    "Count": obj({"name": {"type": "string"}, "count": {"type": "integer", "minimum": 0}}),
    "Recommendations": obj(
        {
            row: {
                "type": "array",
                "maxItems": discovery.RECOMMENDATIONS_PER_ROW,
                "items": ref("Book"),
            }
            for row in discovery.RECOMMENDATION_ROWS
        }
    ),
    "Suggestions": obj(
        {
            "items": {
                "type": "array",
                "maxItems": discovery.SUGGESTIONS_MAX,
                "items": obj(
                    {
                        "text": {"type": "string"},
                        "kind": {"type": "string", "enum": ["title", "author"]},
                        "book_id": NULLABLE(UUID),
                    }
                ),
            }
        }
    ),
    "Categories": obj(
        {
            "items": {
                "type": "array",
                "items": obj(
                    {"name": {"type": "string"}, "count": {"type": "integer", "minimum": 0}}
                ),
            }
        }
    ),
}
