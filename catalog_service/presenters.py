"""How a book looks in the API (JSON) and in events: money as strings, times with Z."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from catalog_service.models import Book
from catalog_service.ratings import UNRATED, Rating
from catalog_service.validation import format_money
from shared.timestamps import iso

if TYPE_CHECKING:
    from catalog_service.service import Listing


def cover_url(book: Book) -> str | None:
    """The cover's URL; the hash in it changes with the image, so caches never go stale."""
    if not book.cover_hash:
        return None
    return f"/api/books/{book.id}/cover?v={book.cover_hash[:16]}"


def listing_json(listing: Listing) -> dict[str, Any]:
    """A book as the API shows it, with its seller's name and rating."""
    return book_json(listing.book, listing.seller_name, listing.seller_rating)


def book_json(book: Book, seller_name: str, seller_rating: Rating = UNRATED) -> dict[str, Any]:
    return {
        "id": book.id,
        "seller_id": book.seller_id,
        "seller_name": seller_name,
        "seller_rating": seller_rating.json(),
        "title": book.title,
        "author": book.author,
        "isbn": book.isbn,
        "category": book.category,
        "condition": book.condition,
        "description": book.description,
        "language": book.language,
        "published_year": book.published_year,
        "price": format_money(book.price),
        "currency": book.currency,
        "stock": book.stock,
        "cover_url": cover_url(book),
        "version": book.version,
        "created_at": iso(book.created_at),
        "updated_at": iso(book.updated_at),
    }
