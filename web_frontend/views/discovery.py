"""Discovery and insight pages: suggestions for the search box, a book's recommendation rows,
and the seller dashboard (/my/dashboard) with its CSV export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, stream_with_context

from shared.contract.discovery import (
    RECOMMENDATION_ROWS,
    SALES_DAYS_DEFAULT,
    SALES_DAYS_MAX,
    SALES_DAYS_MIN,
    SUGGEST_MAX,
    SUGGEST_MIN,
)
from web_frontend.auth import current_user, login_required
from web_frontend.charts import bar_chart
from web_frontend.clients import GatewayError, GatewayUnavailable, api
from web_frontend.short_cache import ShortCache

bp = Blueprint("discovery", __name__)
RECOMMENDATIONS: ShortCache[dict[str, list[dict[str, Any]]]] = ShortCache(ttl=60, size=2048)
PERIODS = (7, 30, 90, 365)  # the dashboard's period choices, within the API's 1-365 days


def suggestions(prefix: str) -> list[dict[str, Any]]:
    """Suggestions for what was typed; none (never an error page) when the API cannot say."""
    prefix = " ".join(prefix.split())
    if not SUGGEST_MIN <= len(prefix) <= SUGGEST_MAX:
        return []
    try:
        return list(api().suggest(prefix).get("items", []))
    except GatewayError:
        return []


@bp.get("/suggest")
def suggest() -> Response:
    """The search box's suggestions as JSON, for static/suggest.js (same origin, no CORS)."""
    response = jsonify({"items": suggestions(request.args.get("q", ""))})
    response.headers["Cache-Control"] = "no-store"
    return response


def recommendation_rows(book_id: str) -> dict[str, list[dict[str, Any]]]:
    """The book page's three rows (up to a minute old, per viewer: the API leaves out the
    viewer's own listings); empty rows, not kept, when recommendations are unavailable."""
    user = current_user()
    viewer = user["id"] if user else None
    try:
        return RECOMMENDATIONS.get((book_id, viewer), lambda: _fetch_rows(book_id))
    except GatewayError:
        return {name: [] for name in RECOMMENDATION_ROWS}


def _fetch_rows(book_id: str) -> dict[str, list[dict[str, Any]]]:
    rows = api().recommendations(book_id)
    return {name: list(rows.get(name) or []) for name in RECOMMENDATION_ROWS}


def _days() -> int:
    """The chosen period; anything the API would refuse falls back to the default."""
    raw = request.args.get("days", "").strip()
    if raw.isascii() and raw.isdigit() and SALES_DAYS_MIN <= int(raw[-4:]) <= SALES_DAYS_MAX:
        return int(raw[-4:]) if len(raw.lstrip("0")) <= 3 else SALES_DAYS_DEFAULT
    return SALES_DAYS_DEFAULT


@bp.get("/my/dashboard")
@login_required
def dashboard() -> str:
    days = _days()
    summary = api().sales_summary(days)
    by_day = summary.get("by_day", [])
    return render_template(
        "my_dashboard.html",
        summary=summary,
        days=days,
        periods=PERIODS,
        revenue_chart=bar_chart(by_day, "revenue", money=True),
        items_chart=bar_chart(by_day, "items"),
    )


@bp.get("/my/sales.csv")
@login_required
def sales_csv() -> Response:
    """The API's CSV of the seller's sales, passed through as a download."""
    try:
        upstream = api().sales_csv()
    except GatewayUnavailable:
        raise
    return Response(
        stream_with_context(upstream.iter_content(chunk_size=16384)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="sales.csv"',
            "Cache-Control": "no-store",
        },
    )
