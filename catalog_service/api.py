"""catalog_service HTTP routes: thin views over service.py (docs/api.md, Catalogue)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, send_file

from catalog_service import recommend, service, suggest
from catalog_service.browse import parse_browse
from catalog_service.covers import FORMATS, MAX_BYTES, BadImage, CoverStore, reencode
from catalog_service.presenters import listing_json
from catalog_service.validation import clean_book
from shared.web.caching import fresh_or_304
from shared.web.errors import ApiError, ValidationError
from shared.web.paging import page_json, paging_args
from shared.web.requests import json_body
from shared.web.tokens import current_user, login_required, optional_user

bp = Blueprint("catalog", __name__, url_prefix="/api")
UPLOAD_TYPES = frozenset(FORMATS.values())


def _sessions() -> service.Sessions:
    return current_app.extensions["db"].session


def _readers() -> service.Sessions:
    """Sessions for public reads: autocommit, one statement each, no ROLLBACK round trip."""
    return current_app.extensions["db"].reader


def _covers() -> CoverStore:
    return current_app.extensions["covers"]


def _page_json(result: service.ListingPage) -> dict[str, Any]:
    books = (listing_json(x) for x in result.items)
    return page_json(books, result.page, result.total)


@bp.get("/books")
def list_books() -> Response:
    query = parse_browse(request.args)
    result = service.browse_books(sessions=_readers(), query=query)
    body = _page_json(result)
    if query.q:
        body["did_you_mean"] = result.did_you_mean
    if result.facets is not None:
        body["facets"] = result.facets
    return fresh_or_304(body)


@bp.get("/books/suggest")
def suggest_books() -> Response:
    prefix = suggest.parse_prefix(request.args.get("q"))
    found = suggest.suggest(sessions=_readers(), prefix=prefix)
    return fresh_or_304({"items": [vars(s) for s in found]})


@bp.get("/books/<book_id>/recommendations")
def book_recommendations(book_id: str) -> Response:
    viewer = optional_user()
    rows = recommend.recommendations(
        sessions=_readers(), book_id=book_id, viewer_id=viewer.id if viewer else None
    )
    body = {name: [listing_json(x) for x in row] for name, row in rows.items()}
    response = fresh_or_304(body)
    response.vary.add("Authorization")  # a signed-in viewer never sees their own listings
    return response


@bp.post("/books")
@login_required
def create_book() -> tuple[Response, int, dict[str, str]]:
    fields = clean_book(json_body(), partial=False)  # BookCreate
    listing = service.create_book(
        sessions=_sessions(), seller=current_user(), fields=fields, correlation_id=g.request_id
    )
    location = {"Location": f"/api/books/{listing.book.id}"}
    return jsonify(listing_json(listing)), 201, location


@bp.get("/books/<book_id>")
def get_book(book_id: str) -> Response:
    listing = service.get_book(sessions=_readers(), book_id=book_id)
    return fresh_or_304(listing_json(listing))


@bp.patch("/books/<book_id>")
@login_required
def update_book(book_id: str) -> Response:
    fields = clean_book(json_body(), partial=True)  # BookPatch
    listing = service.update_book(
        sessions=_sessions(),
        user=current_user(),
        book_id=book_id,
        fields=fields,
        correlation_id=g.request_id,
    )
    return jsonify(listing_json(listing))


@bp.delete("/books/<book_id>")
@login_required
def delete_book(book_id: str) -> tuple[str, int]:
    service.delete_book(
        sessions=_sessions(), user=current_user(), book_id=book_id, correlation_id=g.request_id
    )
    return "", 204


@bp.put("/books/<book_id>/cover")
@login_required
def put_cover(book_id: str) -> Response:
    listing = service.get_book(sessions=_sessions(), book_id=book_id)
    if listing.book.seller_id != current_user().id:  # refuse before reading 5 MB
        raise service.NotOwner(book_id)
    try:
        cover = reencode(_uploaded_image())
    except BadImage as exc:
        raise ValidationError({"cover": str(exc)}) from None
    listing = service.set_cover(
        sessions=_sessions(),
        store=_covers(),
        user=current_user(),
        book_id=book_id,
        cover=cover,
        correlation_id=g.request_id,
    )
    return jsonify(listing_json(listing))


def _uploaded_image() -> bytes:
    """The image bytes: the raw body (image/*) or the `file` field of a multipart form."""
    if (request.content_length or 0) > MAX_BYTES + 64 * 1024:
        raise ApiError(413, "A cover may be at most 5 MB.")
    request.max_content_length = MAX_BYTES + 64 * 1024  # multipart framing on top of 5 MB
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationError({"file": "is required"})
        data = upload.read(MAX_BYTES + 1)
    elif request.mimetype in UPLOAD_TYPES:
        data = request.get_data(cache=False)
    else:
        raise ValidationError(
            {"cover": "Content-Type must be image/jpeg, image/png, image/webp or multipart"}
        )
    if len(data) > MAX_BYTES:
        raise ApiError(413, "A cover may be at most 5 MB.")
    return data


@bp.get("/books/<book_id>/cover")
def get_cover(book_id: str) -> Response:
    sha256, fmt, path = service.cover_of(sessions=_sessions(), store=_covers(), book_id=book_id)
    return send_file(path, mimetype=FORMATS[fmt], etag=sha256, max_age=86400)


@bp.get("/categories")
def list_categories() -> Response:
    return fresh_or_304({"items": service.categories(sessions=_readers())})


@bp.get("/me/books")
@login_required
def my_books() -> Response:
    page = paging_args(request.args)
    result = service.seller_books(sessions=_sessions(), user=current_user(), page=page)
    return jsonify(_page_json(result))
