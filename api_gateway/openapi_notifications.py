"""The OpenAPI part of notification_service's routes (docs/api.md, Favourites, wants and
notifications): its schemas and operations, merged into the document by api_gateway/openapi.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api_gateway.openapi_schemas import (
    MONEY,
    MONEY_IN,
    NULLABLE,
    SPACE,
    TIME,
    UUID,
    Schema,
    obj,
    page_of,
)
from shared.contract.wants import CONDITION_ORDER, KINDS, PREFERENCES, WANT_TEXT_MAX

TAG = "notifications"
_EDGE = r"[^\s\x1c-\x1f\x85]"
# 2 to 200 characters once stripped (runs of spaces inside count as one, which only shortens).
WANT_TEXT: Schema = {
    "type": "string",
    "maxLength": 4 * WANT_TEXT_MAX,
    "pattern": rf"^{SPACE}*{_EDGE}[\s\S]{{0,{WANT_TEXT_MAX - 2}}}{_EDGE}{SPACE}*$",
}
ISBN_IN: Schema = {
    "type": "string",
    "maxLength": 20,
    "pattern": r"^[0-9Xx \t-]*$",
    "description": "ISBN-10 or ISBN-13 with a valid check digit",
}
CONDITION: Schema = {"type": "string", "enum": list(CONDITION_ORDER)}
# OpenAPI 3.0: `nullable` does not add null to an `enum`; the enum must list it.
NULLABLE_CONDITION: Schema = {**NULLABLE(CONDITION), "enum": [*CONDITION_ORDER, None]}
BOOLEAN: Schema = {"type": "boolean"}
BLANK: Schema = {"type": "string", "maxLength": 0}  # "" only: the service reads it as none

SCHEMAS: dict[str, Schema] = {
    "Favourite": obj(
        {
            "book": obj(
                {
                    "id": UUID,
                    "title": {"type": "string"},
                    "author": {"type": "string"},
                    "price": MONEY,
                    "condition": CONDITION,
                    "stock": {"type": "integer", "minimum": 0},
                    "cover_url": NULLABLE({"type": "string"}),
                }
            ),
            "price_when_added": MONEY,
            "added_at": TIME,
        }
    ),
    "FavouritePage": page_of("Favourite"),
    "WantCreate": {
        **obj(
            {
                "isbn": NULLABLE(ISBN_IN),
                # "" is none for every field, as a form's empty input (the service reads it so)
                "title": NULLABLE({"oneOf": [WANT_TEXT, BLANK]}),
                "author": NULLABLE({"oneOf": [WANT_TEXT, BLANK]}),
                "max_price": NULLABLE({"oneOf": [*MONEY_IN["oneOf"], BLANK]}),
                "min_condition": {**NULLABLE_CONDITION, "enum": [*CONDITION_ORDER, "", None]},
            },
            [],
            closed=True,
        ),
        "description": "an isbn, or a title and/or an author",
    },
    "Want": obj(
        {
            "id": UUID,
            "isbn": NULLABLE({"type": "string"}),
            "title": NULLABLE({"type": "string"}),
            "author": NULLABLE({"type": "string"}),
            "max_price": NULLABLE(MONEY),
            "min_condition": NULLABLE_CONDITION,
            "created_at": TIME,
            "matches": {
                "type": "array",
                "items": obj(
                    {
                        "book_id": UUID,
                        "title": {"type": "string"},
                        "price": MONEY,
                        "condition": CONDITION,
                        "matched_at": TIME,
                    }
                ),
            },
        }
    ),
    "WantPage": page_of("Want"),
    "Demand": obj({"isbn": {"type": "string"}, "wanting": {"type": "integer", "minimum": 0}}),
    "Notification": obj(
        {
            "id": UUID,
            "kind": {"type": "string", "enum": list(KINDS)},
            "title": {"type": "string"},
            "body": {"type": "string"},
            "link": {"type": "string"},
            "created_at": TIME,
            "read_at": NULLABLE(TIME),
        }
    ),
    "NotificationPage": page_of("Notification"),
    "Unread": obj({"unread": {"type": "integer", "minimum": 0}}),
    "MarkRead": {
        "oneOf": [
            obj(
                {"ids": {"type": "array", "items": UUID, "minItems": 1, "maxItems": 100}},
                closed=True,
            ),
            obj({"all": {"type": "boolean", "enum": [True]}}, closed=True),
        ]
    },
    "Preferences": obj({"email": obj(dict.fromkeys(PREFERENCES, BOOLEAN))}),
    "PreferencesUpdate": obj(
        {"email": obj(dict.fromkeys(PREFERENCES, BOOLEAN), [], closed=True)}, closed=True
    ),
}


def paths(op: Callable[..., dict[str, Any]], paging: list[Schema]) -> dict[str, Any]:
    """The operations; `op` and `paging` are the document's own builders (openapi.py)."""
    book = [{"name": "book_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    want = [{"name": "want_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    unread = {"name": "unread", "in": "query", "required": False, "schema": BOOLEAN}
    isbn = {"name": "isbn", "in": "query", "required": True, "schema": ISBN_IN}
    return {
        "/api/me/favourites": {
            "get": op(
                "The caller's favourites",
                TAG,
                ok=(200, "FavouritePage"),
                errors=(422,),
                params=paging,
            )
        },
        "/api/me/favourites/{book_id}": {
            "put": op(
                "Favourite a book", TAG, ok=(200, "Favourite"), errors=(404, 409), params=book
            ),
            "delete": op("Unfavourite a book", TAG, ok=(204, None), errors=(404,), params=book),
        },
        "/api/me/wants": {
            "get": op(
                "The caller's wants", TAG, ok=(200, "WantPage"), errors=(422,), params=paging
            ),
            "post": op("Add a want", TAG, body="WantCreate", ok=(201, "Want")),
        },
        "/api/me/wants/{want_id}": {
            "delete": op("Delete a want", TAG, ok=(204, None), errors=(404,), params=want)
        },
        "/api/wants/demand": {
            "get": op(
                "How many users want an ISBN",
                TAG,
                ok=(200, "Demand"),
                protected=False,
                errors=(422,),
                params=[isbn],
            )
        },
        "/api/me/notifications": {
            "get": op(
                "The caller's notifications, newest first",
                TAG,
                ok=(200, "NotificationPage"),
                errors=(422,),
                params=[*paging, unread],
            )
        },
        "/api/me/notifications/unread-count": {
            "get": op("The caller's unread count", TAG, ok=(200, "Unread"))
        },
        "/api/me/notifications/read": {
            "post": op("Mark notifications read", TAG, body="MarkRead", ok=(200, "Unread"))
        },
        "/api/me/preferences": {
            "get": op("The caller's e-mail preferences", TAG, ok=(200, "Preferences")),
            "put": op(
                "Change e-mail preferences", TAG, body="PreferencesUpdate", ok=(200, "Preferences")
            ),
        },
    }
