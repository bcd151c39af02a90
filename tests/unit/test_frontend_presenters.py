"""How API values read on the pages: money, times, statuses, the timeline's steps."""

from __future__ import annotations

from web_frontend.auth import safe_next
from web_frontend.presenters import condition_label, money, notice_text, timeline_steps, when


def test_money_has_two_decimals_and_never_goes_through_float() -> None:
    assert money("12.5") == "$12.50"
    assert money(3) == "$3.00"
    assert money("1234.10") == "$1,234.10"
    assert money("0.1") == "$0.10"
    assert money("not a number") == "not a number"


def test_times_read_as_utc_dates() -> None:
    assert when("2026-11-22T10:00:00.123Z") == "22 Nov 2026, 10:00 UTC"
    assert when(None) == ""


def test_conditions_and_notices_read_as_words() -> None:
    assert condition_label("like_new") == "Like new"
    assert notice_text("A book is gone.") == "A book is gone."
    assert notice_text({"code": "price_changed", "message": "Price changed."}) == "Price changed."


def test_timeline_marks_steps_done_current_and_to_come() -> None:
    order = {
        "status": "paid",
        "timeline": [
            {"status": "pending", "at": "2026-11-22T10:00:00Z"},
            {"status": "reserved", "at": "2026-11-22T10:00:01Z"},
            {"status": "paid", "at": "2026-11-22T10:00:02Z"},
        ],
    }
    states = [(s["status"], s["state"]) for s in timeline_steps(order)]
    assert states == [
        ("pending", "done"),
        ("reserved", "done"),
        ("paid", "current"),
        ("shipped", "todo"),
        ("delivered", "todo"),
    ]


def test_a_delivered_order_has_every_step_done() -> None:
    order = {
        "status": "delivered",
        "timeline": [
            {"status": s, "at": "2026-11-22T10:00:00Z"}
            for s in ("pending", "reserved", "paid", "shipped", "delivered")
        ],
    }
    assert {s["state"] for s in timeline_steps(order)} == {"done"}


def test_only_same_site_paths_are_followed_after_login() -> None:
    assert safe_next("/orders?page=2") == "/orders?page=2"
    for target in ("https://evil.example", "//evil.example", "/\\evil.example", "", None):
        assert safe_next(target) == "/"
