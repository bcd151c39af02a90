"""The fake API's state: users, tokens, books, covers, carts, orders, and the rules it applies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shared.web.errors import ApiError, ValidationError

CARD_DECLINED, CARD_CAPTURE_FAILS = "4000000000000002", "4000000000000341"
CONDITIONS = {"new", "like_new", "very_good", "good", "acceptable"}


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Store:
    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}
        self.books: dict[str, dict[str, Any]] = {}
        self.covers: dict[str, tuple[bytes, str]] = {}
        self.carts: dict[str, dict[str, dict[str, Any]]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[tuple[str, str], str] = {}
        self.requests: list[dict[str, Any]] = []  # what the frontend sent: tests read it
        self.refresh_tokens: dict[str, str] = {}  # live refresh token -> user id
        self.resets: dict[str, str] = {}  # live password-reset token -> user id
        self.throttle_login: int | None = None  # set: logins are a 429 with this Retry-After
        # seller fulfilment (fake_gateway/fulfilment.py)
        self.shipments: dict[str, dict[str, Any]] = {}
        self.seller_settings: dict[str, bool] = {}
        self.reviews: list[dict[str, Any]] = []
        self.payouts: dict[str, list[dict[str, Any]]] = {}

    def advance(self, order_id: str, status: str, reason: str | None = None) -> None:
        """Move an order on (what the saga and the shipping timers do in the real system)."""
        order = self.orders[order_id]
        order["status"], order["updated_at"] = status, now()
        order["timeline"].append({"status": status, "at": now(), "reason": reason})
        if status == "shipped":
            order["shipment"] = {
                "carrier": "BookPost",
                "tracking_number": "BP123456789",
                "shipped_at": now(),
                "delivered_at": None,
            }
        if status == "delivered":
            order["shipment"]["delivered_at"] = now()


def public(user: dict[str, Any]) -> dict[str, Any]:
    return {k: user[k] for k in ("id", "email", "name", "created_at")}


def own(book: dict[str, Any], me: dict[str, Any]) -> dict[str, Any]:
    if book["seller_id"] != me["id"]:
        raise ApiError(403, "Only the seller can change this book.")
    return book


def validate_book(body: dict[str, Any]) -> None:
    fields = {}
    if not str(body.get("title", "")).strip():
        fields["title"] = "must not be empty"
    if body.get("condition") not in CONDITIONS:
        fields["condition"] = "must be one of " + ", ".join(sorted(CONDITIONS))
    if Decimal(str(body.get("price", "0"))) <= 0:
        fields["price"] = "must be > 0"
    if body.get("isbn") and len(str(body["isbn"]).replace("-", "")) not in (10, 13):
        fields["isbn"] = "is not a valid ISBN-10 or ISBN-13"
    if fields:
        raise ValidationError(fields)


def filter_books(items: list[dict[str, Any]], args: Any) -> list[dict[str, Any]]:
    if q := args.get("q", "").lower():
        items = [b for b in items if q in f"{b['title']} {b['author']} {b['isbn']}".lower()]
    for name in ("category", "condition", "seller_id"):
        if value := args.get(name):
            items = [b for b in items if b[name] == value]
    try:
        low, high = Decimal(args.get("min_price") or 0), Decimal(args.get("max_price") or 10**9)
    except ArithmeticError:
        raise ValidationError({"min_price": "must be a number"}) from None
    return [b for b in items if low <= Decimal(b["price"]) <= high]


def sort_key(sort: str | None) -> Any:
    if sort in ("price_asc", "price_desc"):
        return lambda b: Decimal(b["price"])
    return lambda b: b["created_at"]


def cart_of(store: Store, user_id: str) -> dict[str, Any]:
    items, notices, total = [], [], Decimal("0")
    for book_id, line in list(store.carts.get(user_id, {}).items()):
        book = store.books.get(book_id)
        if book is None:
            notices.append(
                {"code": "book_removed", "message": f"“{line['title']}” is no longer for sale."}
            )
            del store.carts[user_id][book_id]
            continue
        if book["price"] != line["price_seen"]:
            notices.append(
                {
                    "code": "price_changed",
                    "message": f"The price of “{book['title']}”"
                    f" changed from ${line['price_seen']} to ${book['price']}.",
                }
            )
            line["price_seen"] = book["price"]
        subtotal = Decimal(book["price"]) * line["quantity"]
        total += subtotal
        items.append(
            {
                "book_id": book_id,
                "title": book["title"],
                "unit_price": book["price"],
                "quantity": line["quantity"],
                "subtotal": f"{subtotal:.2f}",
                "available": book["stock"] >= line["quantity"],
            }
        )
    return {"items": items, "total": f"{total:.2f}", "notices": notices}


def new_order(store: Store, me: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    card = str(body["payment"]["card_number"])
    if card == CARD_DECLINED:
        raise ApiError(402, "The card was declined.")
    lines = body.get("items") or [
        {"book_id": k, "quantity": v["quantity"]} for k, v in store.carts.get(me["id"], {}).items()
    ]
    items = []
    for line in lines:
        book = store.books.get(line["book_id"])
        if book is None:
            raise ApiError(404, "No such book.")
        subtotal = Decimal(book["price"]) * line["quantity"]
        items.append(
            {
                "book_id": book["id"],
                "title": book["title"],
                "seller_id": book["seller_id"],
                "quantity": line["quantity"],
                "unit_price": book["price"],
                "subtotal": f"{subtotal:.2f}",
            }
        )
    oid = str(uuid.uuid4())
    total = sum((Decimal(i["subtotal"]) for i in items), Decimal("0"))
    store.orders[oid] = {
        "id": oid,
        "buyer_id": me["id"],
        "status": "pending",
        "items": items,
        "total": f"{total:.2f}",
        "currency": "USD",
        "shipping_address": body["shipping_address"],
        "payment": {"brand": "visa", "last4": card[-4:], "status": "authorized"},
        "shipment": None,
        "timeline": [{"status": "pending", "at": now(), "reason": None}],
        "created_at": now(),
        "updated_at": now(),
        "capture_fails": card == CARD_CAPTURE_FAILS,
    }
    return store.orders[oid]


def order_of(store: Store, order_id: str, me: dict[str, Any]) -> dict[str, Any]:
    order = store.orders.get(order_id)
    if order is None or order["buyer_id"] != me["id"]:
        raise ApiError(404, "No such order.")
    return order
