"""Catalogue pages: home (search, filters, sort, pages), book detail, and book covers."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from web_frontend.auth import current_user
from web_frontend.clients import GatewayError, GatewayUnavailable, api
from web_frontend.forms import money_text
from web_frontend.presenters import page_count
from web_frontend.views.discovery import recommendation_rows, suggestions
from web_frontend.views.filters import filter_chips
from web_frontend.views.filters import heading as filters_heading

bp = Blueprint("catalogue", __name__)

FILTERS = ("q", "category", "condition", "min_price", "max_price", "sort")


@bp.get("/")
def home() -> str:
    """The catalogue: what the query string asks for, a friendly note when it is not valid."""
    args = {k: request.args.get(k, "").strip() for k in FILTERS}
    for bound in ("min_price", "max_price"):  # "8,50" is 8.50, never 850 (else the API says)
        if "," in args[bound]:
            args[bound] = money_text(args[bound]) or args[bound]
    page = _page()
    params: dict[str, Any] = {k: v for k, v in args.items() if v}
    params.update(page=page, per_page=current_app.extensions["config"].per_page)
    if params.keys() - {"page", "per_page", "sort"}:
        # Facet counts narrow a search or a filter; the plain catalogue's category list already
        # carries counts, so the busiest page skips three grouped counts.
        params["facets"] = "true"
    listing: dict[str, Any] = {"items": [], "page": page, "per_page": 1, "total": 0}
    problem = None
    try:
        listing = api().books(params)
    except GatewayUnavailable:
        raise
    except GatewayError as exc:
        if exc.status != 422:
            raise
        problem = _describe(exc)
    active = {k: v for k, v in args.items() if v}
    last = page_count(listing)
    if page > last and not problem and listing.get("total"):
        # past the last page (?page=999): the last page, rather than "No books match"
        target: dict[str, Any] = {**active, "page": last}
        return redirect(url_for("catalogue.home", **target))  # type: ignore[return-value]
    return render_template(
        "home.html",
        listing=listing,
        args=args,
        active=active,
        chips=filter_chips(active),
        filters_heading=filters_heading,
        categories=categories(),
        problem=problem,
        # Without JavaScript, the search box still offers these (a server-rendered datalist).
        suggestions=suggestions(args["q"]) if args["q"] else [],
    )


@bp.get("/books/<book_id>")
def book_detail(book_id: str) -> str:
    book = api().book(book_id)
    user = current_user()
    return render_template(
        "book.html",
        book=book,
        is_seller=bool(user and user["id"] == book.get("seller_id")),
        recommendations=recommendation_rows(book["id"]),
    )


@bp.get("/books/<book_id>/cover")
def cover(book_id: str) -> Response:
    """The cover image, fetched from the gateway (the browser only ever talks to us)."""
    try:
        upstream = api().cover(book_id)
    except GatewayError as exc:
        if exc.status == 404:
            abort(404)
        raise
    content_type = upstream.headers.get("Content-Type", "application/octet-stream")
    if not content_type.startswith("image/"):
        abort(404)
    response = Response(upstream.content, content_type=content_type)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 10_000))
    except ValueError:
        return 1


def categories() -> list[dict[str, Any]]:
    try:
        return list(api().categories().get("items", []))
    except GatewayError:
        return []  # the filter still works as free text; the page should not fail for it


def _describe(exc: GatewayError) -> str:
    if exc.fields:
        return "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in exc.fields.items())
    return exc.message
