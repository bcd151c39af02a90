"""Server-rendered bar charts for the seller dashboard: numbers in, SVG geometry out.

The page draws the bars as inline SVG from this geometry (no script, no external asset, so the
strict CSP holds), gives the chart a title and description for screen readers, and prints the
same figures as a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

WIDTH, HEIGHT = 640, 200
TOP, BOTTOM, LEFT = 16, 24, 48  # room for the largest value and the axis labels


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the day
    value: str  # as shown in the table


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    maximum: str  # the value at the top of the axis
    ticks: list[tuple[float, str]]  # (x, date) labels along the bottom, a handful at most
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM


def _number(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return number if number.is_finite() and number > 0 else Decimal(0)


def bar_chart(days: list[dict[str, Any]], key: str, *, money: bool = False) -> Chart:
    """One bar per day of `days` ({"date", key}); bars scale to the largest value."""
    values = [_number(day.get(key)) for day in days]
    top = max(values, default=Decimal(0)) or Decimal(1)
    plot_width, plot_height = WIDTH - LEFT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(days), 1)
    bars = []
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        height = float(value / top) * plot_height
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.1, 2),
                y=round(TOP + plot_height - height, 2),
                width=round(max(slot * 0.8, 1.0), 2),
                height=round(height, 2),
                label=str(day.get("date", "")),
                value=f"{value:.2f}" if money else str(int(value)),
            )
        )
    step = max(1, len(days) // 6)
    ticks = [(round(b.x + b.width / 2, 2), b.label[5:]) for b in bars[::step]]
    maximum = f"{top:.2f}" if money else str(int(top))
    return Chart(bars=bars, maximum=maximum if any(values) else "0", ticks=ticks)
