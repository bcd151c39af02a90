"""The baseline of `make bench`: a bare Flask JSON route, served like every api process.

    gunicorn -c gunicorn.conf.py bench.bare_flask:app

No database, no middleware: what a Flask + gunicorn process on these settings can answer at
most. `GET /api/books/<id>` returns a book-sized JSON object, so the catalog api's figure can be
read as a fraction of what its web stack alone would allow.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify

app = Flask(__name__)
BOOK = {
    "seller_id": "00000000-0000-4000-8000-000000000000",
    "seller_name": "Bench Seller",
    "title": "A book of about the usual size",
    "author": "Some Author",
    "isbn": "9780000000002",
    "category": "Fiction",
    "condition": "good",
    "description": "A description of a few hundred characters. " * 6,
    "language": "en",
    "published_year": 1999,
    "price": "12.50",
    "currency": "USD",
    "stock": 3,
    "cover_url": None,
    "version": 1,
    "created_at": "2026-01-01T00:00:00.000Z",
    "updated_at": "2026-01-01T00:00:00.000Z",
}


@app.get("/api/books/<book_id>")
def book(book_id: str) -> Response:
    return jsonify({"id": book_id, **BOOK})


@app.get("/health/live")
def live() -> Response:
    return jsonify(status="ok")
