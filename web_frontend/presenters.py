"""How values of the API read on a page: money, dates, conditions, order statuses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.contract.catalogue import CONDITIONS, LANGUAGES, SORTS
from shared.contract.orders import ORDER_STATUSES

STATUSES = {status: status.capitalize() for status in ORDER_STATUSES}
HAPPY_PATH = ("pending", "reserved", "paid", "shipped", "delivered")
FINAL = {"delivered", "rejected", "cancelled"}
CANCELLABLE = {"pending", "reserved", "paid"}


def money(value: Any, currency: str = "USD") -> str:
    """'12.5' -> '$12.50'; never goes through float."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"${amount:,}" if currency == "USD" else f"{amount:,} {currency}"


def when(value: Any) -> str:
    """ISO 8601 UTC -> '26 Nov 2026, 10:00 UTC'."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment.strftime("%d %b %Y, %H:%M UTC")


def language_name(code: Any) -> str:
    """'en' -> 'English' (a language is stored as its ISO 639-1 code)."""
    return LANGUAGES.get(str(code).lower(), str(code)) if code else ""


def condition_label(value: Any) -> str:
    return CONDITIONS.get(str(value), str(value).replace("_", " ").capitalize())


def status_label(value: Any) -> str:
    return STATUSES.get(str(value), str(value).capitalize())


def notice_text(notice: Any) -> str:
    """Cart notices may be strings or objects with a message."""
    if isinstance(notice, dict):
        return str(notice.get("message") or notice.get("text") or notice)
    return str(notice)


def timeline_steps(order: dict[str, Any]) -> list[dict[str, Any]]:
    """The five happy-path steps, each done/current/todo, with the time it happened."""
    reached = {e.get("status"): e for e in order.get("timeline") or []}
    status = order.get("status")
    steps = []
    for name in HAPPY_PATH:
        entry = reached.get(name)
        # the step the order is at is "current", unless it is the journey's end
        current = name == status and status != "delivered"
        state = "current" if current else ("done" if entry else "todo")
        steps.append(
            {
                "status": name,
                "label": status_label(name),
                "state": state,
                "at": (entry or {}).get("at"),
            }
        )
    return steps


def page_count(listing: dict[str, Any]) -> int:
    per_page = max(int(listing.get("per_page") or 1), 1)
    return max((int(listing.get("total") or 0) + per_page - 1) // per_page, 1)


def register(app: Any) -> None:
    for name in (
        "money",
        "when",
        "condition_label",
        "status_label",
        "notice_text",
        "language_name",
    ):
        app.add_template_filter(globals()[name], name)
    app.jinja_env.globals.update(
        CONDITIONS=CONDITIONS,
        SORTS=SORTS,
        FINAL=FINAL,
        CANCELLABLE=CANCELLABLE,
        page_count=page_count,
        timeline_steps=timeline_steps,
    )
