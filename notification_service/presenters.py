"""Domain objects -> the JSON of docs/api.md (money as two-decimal strings, times with Z)."""

from __future__ import annotations

from typing import Any

from notification_service.favourites import FavouriteView
from notification_service.models import Notification, WantMatch
from notification_service.wants import WantView
from shared.events.catalogue import money_text
from shared.timestamps import iso, iso_or_none


def favourite_json(view: FavouriteView) -> dict[str, Any]:
    book = view.book
    return {
        "book": {
            "id": book.book_id,
            "title": book.title,
            "author": book.author,
            "price": money_text(book.price),
            "condition": book.condition,
            "stock": 0 if book.deleted else book.stock,
            "cover_url": book.cover_url,
        },
        "price_when_added": money_text(view.price_when_added),
        "added_at": iso(view.added_at),
    }


def want_json(view: WantView) -> dict[str, Any]:
    want = view.want
    return {
        "id": want.id,
        "isbn": want.isbn,
        "title": want.title,
        "author": want.author,
        "max_price": None if want.max_price is None else money_text(want.max_price),
        "min_condition": want.min_condition,
        "created_at": iso(want.created_at),
        "matches": [match_json(m) for m in view.matches],
    }


def match_json(match: WantMatch) -> dict[str, Any]:
    return {
        "book_id": match.book_id,
        "title": match.title,
        "price": money_text(match.price),
        "condition": match.condition,
        "matched_at": iso(match.matched_at),
    }


def notification_json(note: Notification) -> dict[str, Any]:
    return {
        "id": note.id,
        "kind": note.kind,
        "title": note.title,
        "body": note.body,
        "link": note.link,
        "created_at": iso(note.created_at),
        "read_at": iso_or_none(note.read_at),
    }
