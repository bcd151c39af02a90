"""Timestamps on the wire, one format everywhere: ISO 8601 UTC with milliseconds and a Z.

`2026-11-22T10:00:00.123Z`, as the event envelope's `occurred_at` (docs/events.md) and every
`created_at` / `updated_at` of the API (docs/api.md). Databases store naive UTC (shared.db.utcnow).
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    """`moment` as ISO 8601 UTC with milliseconds and a Z; a naive datetime is taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def iso_or_none(moment: datetime | None) -> str | None:
    """`iso(moment)`, or None for a time that has not happened (shipped_at of a new order)."""
    return iso(moment) if moment is not None else None


def now_iso() -> str:
    """Now, as `iso` writes it."""
    return iso(datetime.now(UTC))
