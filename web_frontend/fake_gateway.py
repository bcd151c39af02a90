"""An in-memory stand-in for the public API (API.md), for the frontend's own tests.

It is a fake, not a mock: a small working implementation of the contract (users, tokens,
books, covers, cart, orders whose status moves on when asked, sales) with the API's error
shape. `WSGITransport` lets the frontend's pooled requests.Session talk to it without a socket.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests
from flask import Flask, Response, jsonify, request
from requests.adapters import BaseAdapter
from werkzeug.test import Client

from shared.web.errors import ApiError, ValidationError, register_error_handlers
from shared.web.requests import init_request_ids

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


def create_fake_gateway(store: Store | None = None) -> Flask:
    app = Flask("fake_gateway")
    app.extensions["store"] = store = store or Store()
    init_request_ids(app)
    register_error_handlers(app)

    @app.before_request
    def _record() -> None:
        store.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "request_id": request.headers.get("X-Request-Id"),
                "json": request.get_json(silent=True),
            }
        )

    def user() -> dict[str, Any]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if token not in store.tokens:
            raise ApiError(401, "The access token is invalid or expired.")
        return store.users[store.tokens[token]]

    def book_or_404(book_id: str) -> dict[str, Any]:
        if book_id not in store.books:
            raise ApiError(404, "No such book.")
        return store.books[book_id]

    def page(items: list[dict[str, Any]]) -> Response:
        p, per = int(request.args.get("page", 1)), int(request.args.get("per_page", 20))
        return jsonify(items=items[(p - 1) * per : p * per], page=p, per_page=per, total=len(items))

    @app.post("/api/auth/register")
    def register() -> Any:
        body = request.get_json()
        if len(body.get("password", "")) < 8:
            raise ValidationError({"password": "must be at least 8 characters"})
        if any(u["email"] == body["email"].lower() for u in store.users.values()):
            raise ApiError(409, "This email is already registered.")
        uid = str(uuid.uuid4())
        store.users[uid] = {
            "id": uid,
            "email": body["email"].lower(),
            "name": body["name"],
            "password": body["password"],
            "created_at": now(),
        }
        return jsonify(user=_public(store.users[uid])), 201

    @app.post("/api/auth/login")
    def login() -> Any:
        body = request.get_json()
        found = [u for u in store.users.values() if u["email"] == body["email"].lower()]
        if not found or found[0]["password"] != body["password"]:
            raise ApiError(401, "Wrong email or password.")
        token = uuid.uuid4().hex
        store.tokens[token] = found[0]["id"]
        return jsonify(
            access_token=token, token_type="Bearer", expires_in=900, user=_public(found[0])
        )

    @app.post("/api/auth/logout")
    def logout() -> Any:
        user()
        del store.tokens[request.headers["Authorization"].split()[1]]
        return "", 204

    @app.get("/api/books")
    def books() -> Any:
        items = [b for b in store.books.values() if b["stock"] > 0]
        items = _filter(items, request.args)
        return page(
            sorted(
                items,
                key=_sort_key(request.args.get("sort")),
                reverse=request.args.get("sort") != "price_asc",
            )
        )

    @app.get("/api/categories")
    def categories() -> Any:
        names = sorted({b["category"] for b in store.books.values() if b["stock"] > 0})
        counts = [
            {"name": n, "count": sum(b["category"] == n for b in store.books.values())}
            for n in names
        ]
        return jsonify(items=counts)

    @app.get("/api/books/<book_id>")
    def book(book_id: str) -> Any:
        return jsonify(book_or_404(book_id))

    @app.post("/api/books")
    def create_book() -> Any:
        seller, body = user(), request.get_json()
        _validate_book(body)
        bid = str(uuid.uuid4())
        store.books[bid] = {
            "id": bid,
            "seller_id": seller["id"],
            "seller_name": seller["name"],
            "isbn": None,
            "description": "",
            "language": None,
            "published_year": None,
            "currency": "USD",
            "cover_url": None,
            "created_at": now(),
            "updated_at": now(),
            **body,
            "price": f"{Decimal(str(body['price'])):.2f}",
        }
        return jsonify(store.books[bid]), 201

    @app.patch("/api/books/<book_id>")
    def update_book(book_id: str) -> Any:
        book = _own(book_or_404(book_id), user())
        body = request.get_json()
        _validate_book({**book, **body})
        book.update(body, updated_at=now())
        book["price"] = f"{Decimal(str(book['price'])):.2f}"
        return jsonify(book)

    @app.delete("/api/books/<book_id>")
    def delete_book(book_id: str) -> Any:
        _own(book_or_404(book_id), user())
        del store.books[book_id]
        return "", 204

    @app.put("/api/books/<book_id>/cover")
    def put_cover(book_id: str) -> Any:
        book = _own(book_or_404(book_id), user())
        if not request.content_type or not request.content_type.startswith("image/"):
            raise ValidationError({"cover": "not a decodable image"})
        store.covers[book_id] = (request.get_data(), request.content_type)
        book["cover_url"] = f"/api/books/{book_id}/cover"
        return jsonify(book)

    @app.get("/api/books/<book_id>/cover")
    def get_cover(book_id: str) -> Any:
        if book_id not in store.covers:
            raise ApiError(404, "No cover.")
        data, kind = store.covers[book_id]
        return Response(data, content_type=kind)

    @app.get("/api/me/books")
    def my_books() -> Any:
        me = user()
        return page([b for b in store.books.values() if b["seller_id"] == me["id"]])

    @app.get("/api/cart")
    def cart() -> Any:
        return jsonify(_cart(store, user()["id"]))

    @app.put("/api/cart/items/<book_id>")
    def put_cart_item(book_id: str) -> Any:
        me, book = user(), book_or_404(book_id)
        if book["seller_id"] == me["id"]:
            raise ApiError(409, "You cannot buy your own book.")
        quantity = request.get_json().get("quantity")
        if not isinstance(quantity, int) or not 1 <= quantity <= 99:
            raise ValidationError({"quantity": "must be between 1 and 99"})
        store.carts.setdefault(me["id"], {})[book_id] = {
            "quantity": quantity,
            "price_seen": book["price"],
            "title": book["title"],
        }
        return jsonify(_cart(store, me["id"]))

    @app.delete("/api/cart/items/<book_id>")
    def delete_cart_item(book_id: str) -> Any:
        store.carts.get(user()["id"], {}).pop(book_id, None)
        return jsonify(_cart(store, user()["id"]))

    @app.post("/api/orders")
    def place_order() -> Any:
        me, body = user(), request.get_json()
        key = (me["id"], request.headers.get("Idempotency-Key", uuid.uuid4().hex))
        if key in store.idempotency:
            return jsonify(store.orders[store.idempotency[key]]), 202
        order = _new_order(store, me, body)
        store.idempotency[key] = order["id"]
        if body.get("from_cart"):
            store.carts[me["id"]] = {}
        return jsonify(order), 202

    @app.get("/api/orders")
    def orders() -> Any:
        me = user()
        mine = [o for o in store.orders.values() if o["buyer_id"] == me["id"]]
        return page(sorted(mine, key=lambda o: o["created_at"], reverse=True))

    @app.get("/api/orders/<order_id>")
    def order(order_id: str) -> Any:
        return jsonify(_order_of(store, order_id, user()))

    @app.post("/api/orders/<order_id>/cancel")
    def cancel(order_id: str) -> Any:
        order = _order_of(store, order_id, user())
        if order["status"] not in ("pending", "reserved", "paid"):
            raise ApiError(409, f"The order is already {order['status']}.")
        store.advance(order_id, "cancelled", "cancelled by the buyer")
        return jsonify(order)

    @app.get("/api/me/sales")
    def sales() -> Any:
        me = user()
        sold = [
            {**i, "order_id": o["id"], "status": o["status"], "created_at": o["created_at"]}
            for o in store.orders.values()
            for i in o["items"]
            if i["seller_id"] == me["id"]
        ]
        return page(sold)

    return app


def _public(user: dict[str, Any]) -> dict[str, Any]:
    return {k: user[k] for k in ("id", "email", "name", "created_at")}


def _own(book: dict[str, Any], me: dict[str, Any]) -> dict[str, Any]:
    if book["seller_id"] != me["id"]:
        raise ApiError(403, "Only the seller can change this book.")
    return book


def _validate_book(body: dict[str, Any]) -> None:
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


def _filter(items: list[dict[str, Any]], args: Any) -> list[dict[str, Any]]:
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


def _sort_key(sort: str | None) -> Any:
    if sort in ("price_asc", "price_desc"):
        return lambda b: Decimal(b["price"])
    return lambda b: b["created_at"]


def _cart(store: Store, user_id: str) -> dict[str, Any]:
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


def _new_order(store: Store, me: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
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


def _order_of(store: Store, order_id: str, me: dict[str, Any]) -> dict[str, Any]:
    order = store.orders.get(order_id)
    if order is None or order["buyer_id"] != me["id"]:
        raise ApiError(404, "No such order.")
    return order


class WSGITransport(BaseAdapter):
    """A requests adapter that hands each request to a WSGI app in-process (no socket)."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.client = Client(app)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        answer = self.client.open(
            request.path_url, method=request.method, headers=dict(request.headers), data=body or b""
        )
        response = requests.Response()
        response.status_code, response.reason = answer.status_code, answer.status
        response.headers.update(answer.headers)
        response.raw, response.url, response.request = io.BytesIO(answer.data), request.url, request
        return response

    def close(self) -> None:
        pass


def attach(frontend: Flask, store: Store | None = None) -> Store:
    """Point a frontend app at a fresh fake gateway; returns the fake's store."""
    fake = create_fake_gateway(store)
    gateway = frontend.extensions["gateway"]
    gateway.session.mount(gateway.base_url, WSGITransport(fake))
    return fake.extensions["store"]  # type: ignore[no-any-return]


__all__ = ["Store", "WSGITransport", "attach", "create_fake_gateway"]
