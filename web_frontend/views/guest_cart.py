"""A guest's cart, kept in the session cookie ({book_id: quantity}) until they sign in or
register: then its lines are merged into their cart at the API (capped at the stock)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import flash, session

from web_frontend.clients import GatewayError, GatewayUnavailable, api

MAX_LINES = 20  # the session is a 4 KB cookie


def items() -> dict[str, int]:
    raw = session.get("guest_cart") or {}
    return {str(k): int(v) for k, v in raw.items()}


def put(book_id: str, quantity: int) -> None:
    cart = items()
    if book_id not in cart and len(cart) >= MAX_LINES:
        raise GatewayError(422, "validation_error", "Your cart is full: sign in to add more.")
    cart[book_id] = quantity
    session["guest_cart"] = cart


def remove(book_id: str) -> None:
    cart = items()
    cart.pop(book_id, None)
    session["guest_cart"] = cart


def as_cart(fetch: Callable[[str], Any]) -> dict[str, Any]:
    """The guest cart in the API's cart shape, priced from the catalogue now."""
    lines, total = [], Decimal("0")
    for book_id, quantity in items().items():
        try:
            book = fetch(book_id)
        except GatewayUnavailable:
            raise
        except GatewayError:
            continue  # deleted since: drop it
        available = int(book.get("stock") or 0) >= quantity
        subtotal = Decimal(str(book["price"])) * quantity
        if available:
            total += subtotal
        lines.append(
            {
                "book_id": book_id,
                "title": book["title"],
                "unit_price": book["price"],
                "quantity": quantity,
                "subtotal": f"{subtotal:.2f}",
                "available": available,
                "seller_name": book.get("seller_name"),
                "condition": book.get("condition"),
                "stock": book.get("stock"),
            }
        )
    return {"items": lines, "total": f"{total:.2f}", "notices": [], "guest": True}


def merge() -> None:
    """After a sign-in: add the guest's lines to the user's cart, then forget them."""
    guest = items()
    session.pop("guest_cart", None)
    if not guest:
        return
    held = {i["book_id"]: int(i["quantity"]) for i in api().cart().get("items", [])}
    skipped = []
    for book_id, quantity in guest.items():
        try:
            stock = int(api().book(book_id).get("stock") or 0)
            wanted = min(99, stock, quantity + held.get(book_id, 0))
            if wanted <= 0:
                raise GatewayError(409, "conflict", "sold out")
            api().set_cart_item(book_id, wanted)
        except GatewayUnavailable:
            raise
        except GatewayError:
            skipped.append(book_id)
    if len(skipped) < len(guest):
        flash("The books you picked before signing in are in your cart.", "info")
    if skipped:
        flash("Some books you picked are no longer available (or are your own).", "warning")
