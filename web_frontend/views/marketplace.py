"""Marketplace details of cart lines: who sells each book and in what condition (the cart API
gives neither), looked up once per book for the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web_frontend.clients import GatewayError, GatewayUnavailable


def with_books(cart: dict[str, Any], fetch: Callable[[str], Any]) -> dict[str, Any]:
    """The cart with `seller_name`, `condition` and `stock` on each line (when still listed)."""
    items = []
    for item in cart.get("items", []):
        line = dict(item)
        if "seller_name" not in line or "condition" not in line:
            try:
                book = fetch(str(item["book_id"]))
            except GatewayUnavailable:
                raise
            except GatewayError:
                book = {}
            line.setdefault("seller_name", book.get("seller_name"))
            line.setdefault("condition", book.get("condition"))
            line.setdefault("stock", book.get("stock"))
        items.append(line)
    return {**cart, "items": items}
