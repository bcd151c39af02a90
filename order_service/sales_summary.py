"""A seller's figures for the dashboard (`GET /api/me/sales/summary`) and the CSV of their sales
(`GET /api/me/sales.csv`), from this service's own orders: the same rows as `/api/me/sales`,
so the totals agree with that list to the cent.

Definitions (docs/api.md, "Discovery and insight"): revenue is the sum of the seller's own item
subtotals (before commission) in orders that were paid and not cancelled or rejected (status
paid, shipped or delivered), leaving out a part the seller's cancelled shipment refunded;
`orders` counts the distinct such orders; the period is the last `days` UTC calendar days,
today included, by the time the order was placed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from order_service.models import Order, OrderItem, Review, Shipment
from shared.contract.discovery import (
    SALES_DAYS_DEFAULT,
    SALES_DAYS_MAX,
    SALES_DAYS_MIN,
    SOLD_STATUSES,
    TOP_BOOKS_MAX,
)
from shared.web.errors import ValidationError

ZERO = Decimal("0.00")
CSV_HEADER = (
    "order_id",
    "date",
    "title",
    "quantity",
    "unit_price",
    "subtotal",
    "status",
)


def parse_days(raw: str | None) -> int:
    """`days` of the summary: an integer from SALES_DAYS_MIN to SALES_DAYS_MAX (default 30)."""
    value = (raw or "").strip()
    if not value:
        return SALES_DAYS_DEFAULT
    if not (value.isascii() and value.isdigit()):
        raise ValidationError({"days": "must be a whole number of days"})
    digits = value.lstrip("0") or "0"
    days = int(digits) if len(digits) <= 6 else SALES_DAYS_MAX + 1  # never int() of a huge one
    if not SALES_DAYS_MIN <= days <= SALES_DAYS_MAX:
        raise ValidationError({"days": f"must be from {SALES_DAYS_MIN} to {SALES_DAYS_MAX}"})
    return days


@dataclass
class Summary:
    days: int
    first_day: date
    revenue: Decimal = ZERO
    orders: set[str] = field(default_factory=set)
    items_sold: int = 0
    by_day: dict[date, list[Any]] = field(default_factory=dict)  # day -> [revenue, items]
    books: dict[str, list[Any]] = field(default_factory=dict)  # id -> [title, items, revenue]
    rating: dict[str, Any] = field(default_factory=lambda: {"average": None, "count": 0})

    def add(self, item: OrderItem, placed_at: datetime) -> None:
        subtotal = item.unit_price * item.quantity
        self.revenue += subtotal
        self.orders.add(item.order_id)
        self.items_sold += item.quantity
        day = self.by_day[placed_at.date()]
        day[0] += subtotal
        day[1] += item.quantity
        book = self.books.setdefault(item.book_id, [item.title, 0, ZERO])
        book[1] += item.quantity
        book[2] += subtotal


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):.2f}"


def summary_json(summary: Summary) -> dict[str, Any]:
    """The summary in the API's shape (money as strings with two decimals)."""
    orders = len(summary.orders)
    average = summary.revenue / orders if orders else ZERO
    top = sorted(summary.books.items(), key=lambda kv: (-kv[1][2], -kv[1][1], kv[1][0]))
    return {
        "days": summary.days,
        "revenue": _money(summary.revenue),
        "orders": orders,
        "items_sold": summary.items_sold,
        "average_order_value": _money(average),
        "by_day": [
            {"date": day.isoformat(), "revenue": _money(revenue), "items": items}
            for day, (revenue, items) in sorted(summary.by_day.items())
        ],
        "top_books": [
            {"book_id": book_id, "title": title, "items": items, "revenue": _money(revenue)}
            for book_id, (title, items, revenue) in top[:TOP_BOOKS_MAX]
        ],
        "rating": summary.rating,
    }


def _rating(session: Session, seller_id: str) -> dict[str, Any]:
    """The seller's review average (two decimals; null before the first review) and count."""
    average, count = session.execute(
        select(func.avg(Review.rating), func.count()).where(Review.seller_id == seller_id)
    ).one()
    return {"average": None if average is None else round(float(average), 2), "count": count}


def _shipment_cancelled(seller_id: str) -> Any:
    """The seller's part of the order was cancelled (refunded, stock back): not a sale, even
    though the order itself goes on to be shipped and delivered by its other sellers."""
    return exists(
        select(Shipment.id).where(
            Shipment.order_id == Order.id,
            Shipment.seller_id == seller_id,
            Shipment.status == "cancelled",
        )
    )


def sales_summary(
    *, sessions: sessionmaker[Session], seller_id: str, days: int, today: date | None = None
) -> Summary:
    """The seller's figures over the last `days` UTC days, today included."""
    last = today or datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    summary = Summary(days=days, first_day=first)
    summary.by_day = {first + timedelta(days=n): [ZERO, 0] for n in range(days)}
    with sessions() as session:
        rows = session.execute(
            select(OrderItem, Order.created_at)
            .join(Order, Order.id == OrderItem.order_id)
            .where(
                OrderItem.seller_id == seller_id,
                Order.status.in_(SOLD_STATUSES),
                ~_shipment_cancelled(seller_id),
                Order.created_at >= datetime.combine(first, time.min),
                Order.created_at < datetime.combine(last + timedelta(days=1), time.min),
            )
        )
        for item, placed_at in rows:
            summary.add(item, placed_at)
        summary.rating = _rating(session, seller_id)
    return summary


def sales_csv(*, sessions: sessionmaker[Session], seller_id: str) -> Iterator[str]:
    """Every item the seller sold, newest first, as CSV lines after a header (streamed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: tuple[Any, ...]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_defused(v) for v in values])
        return buffer.getvalue()

    yield line(CSV_HEADER)
    with sessions() as session:
        rows = session.execute(
            select(OrderItem, Order.status, Order.created_at)
            .join(Order, Order.id == OrderItem.order_id)
            .where(OrderItem.seller_id == seller_id)
            .order_by(Order.created_at.desc(), OrderItem.id)
            .execution_options(yield_per=500)
        )
        for item, status, placed_at in rows:
            yield line(
                (
                    item.order_id,
                    placed_at.date().isoformat(),  # UTC, as the summary's by_day
                    item.title,
                    item.quantity,
                    _money(item.unit_price),
                    _money(item.unit_price * item.quantity),
                    status,
                )
            )


def _defused(value: Any) -> Any:
    """A title a spreadsheet would run as a formula (=, +, -, @ first) gets a leading quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
