"""A checkout is one purchase: the orders placed from this browser session, by what they bought.

The API's Idempotency-Key makes the same submission (a double click, a reload of the POST) one
order. A new checkout page for the same books (Back, then Pay again) carries a new key, so the
frontend remembers what it ordered: the same books again are refused with "You already placed
this order" until the shopper confirms they want to buy again. An earlier order that was
cancelled or rejected (a failed payment) does not count: trying another card is not buying twice.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import session

from web_frontend.clients import GatewayError

KEEP_SECONDS = 24 * 3600  # a purchase is recognised for a day
KEEP_MAX = 8  # the latest purchases only: the session is a cookie
NOT_A_PURCHASE = {"cancelled", "rejected"}


def fingerprint(lines: Iterable[tuple[str, int]]) -> str:
    text = ";".join(f"{book_id}:{quantity}" for book_id, quantity in sorted(lines))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def remember(purchase: str, order_id: str, key: str) -> None:
    placed = _placed()
    placed[purchase] = [order_id, key, int(time.time())]
    newest = sorted(placed.items(), key=lambda item: item[1][2])[-KEEP_MAX:]
    session["placed"] = dict(newest)


def earlier_order(purchase: str, key: str | None, fetch: Callable[[str], Any]) -> str | None:
    """The id of an order already placed for `purchase` by another submission (not `key`) that
    still stands, or None."""
    entry = _placed().get(purchase)
    if entry is None or (key and entry[1] == key):
        return None
    try:
        order = fetch(entry[0])
    except GatewayError:
        return None
    if order.get("status") in NOT_A_PURCHASE:
        return None
    return str(entry[0])


def _placed() -> dict[str, list[Any]]:
    cutoff = time.time() - KEEP_SECONDS
    placed = session.get("placed") or {}
    return {k: v for k, v in placed.items() if isinstance(v, list) and v[2] > cutoff}
