"""The fake API's routes: the paths, statuses and error shape of docs/api.md, backed by a Store."""

from __future__ import annotations

import difflib
import uuid
from decimal import Decimal
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from shared.contract.catalogue import CATEGORIES
from shared.web.errors import ApiError, ValidationError, register_error_handlers
from shared.web.requests import init_request_ids
from tests.support.fake_gateway import fulfilment
from tests.support.fake_gateway.store import (
    Store,
    cart_of,
    filter_books,
    new_order,
    now,
    order_of,
    own,
    public,
    sort_key,
    validate_book,
)

bp = Blueprint("fake_api", __name__)


def create_fake_gateway(store: Store | None = None) -> Flask:
    app = Flask("fake_gateway")
    app.extensions["store"] = store or Store()
    init_request_ids(app)
    register_error_handlers(app)
    app.before_request(_record)
    app.register_blueprint(bp)
    app.register_blueprint(fulfilment.bp)
    return app


def _store() -> Store:
    return current_app.extensions["store"]  # type: ignore[no-any-return]


def _record() -> None:
    """Keep what the frontend sent: tests read it."""
    _store().requests.append(
        {
            "method": request.method,
            "path": request.path,
            "request_id": request.headers.get("X-Request-Id"),
            "json": request.get_json(silent=True),
            "args": request.args.to_dict(),
        }
    )


def user() -> dict[str, Any]:
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token not in _store().tokens:
        raise ApiError(401, "The access token is invalid or expired.")
    return _store().users[_store().tokens[token]]


def book_or_404(book_id: str) -> dict[str, Any]:
    if book_id not in _store().books:
        raise ApiError(404, "No such book.")
    return _store().books[book_id]


def page(items: list[dict[str, Any]]) -> Response:
    p, per = int(request.args.get("page", 1)), int(request.args.get("per_page", 20))
    return jsonify(items=items[(p - 1) * per : p * per], page=p, per_page=per, total=len(items))


@bp.post("/api/auth/register")
def register() -> Any:
    body = request.get_json()
    if len(body.get("password", "")) < 8:
        raise ValidationError({"password": "must be at least 8 characters"})
    if any(u["email"] == body["email"].lower() for u in _store().users.values()):
        raise ApiError(409, "This email is already registered.")
    uid = str(uuid.uuid4())
    _store().users[uid] = {
        "id": uid,
        "email": body["email"].lower(),
        "name": body["name"],
        "password": body["password"],
        "created_at": now(),
    }
    return jsonify(user=public(_store().users[uid])), 201


@bp.post("/api/auth/login")
def login() -> Any:
    body = request.get_json()
    found = [u for u in _store().users.values() if u["email"] == body["email"].lower()]
    if _store().throttle_login:
        wait = str(_store().throttle_login)
        raise ApiError(429, "Too many failed sign-ins.", headers={"Retry-After": wait})
    if not found or found[0]["password"] != body["password"]:
        raise ApiError(401, "Wrong email or password.")
    return jsonify(**_pair(found[0]["id"]), user=public(found[0]))


def _pair(user_id: str) -> dict[str, Any]:
    token, refresh_token = uuid.uuid4().hex, uuid.uuid4().hex
    _store().tokens[token] = user_id
    _store().refresh_tokens[refresh_token] = user_id
    return {
        "access_token": token,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": 900,
    }


@bp.post("/api/auth/refresh")
def refresh() -> Any:
    user_id = _store().refresh_tokens.pop(request.get_json().get("refresh_token"), None)
    if user_id is None:
        raise ApiError(401, "The refresh token is invalid, spent, expired or revoked.")
    return jsonify(_pair(user_id))


@bp.post("/api/auth/password-reset")
def password_reset() -> Any:
    email = str(request.get_json().get("email", "")).strip().lower()
    for found in [u for u in _store().users.values() if u["email"] == email]:
        _store().resets[uuid.uuid4().hex] = found["id"]
    return "", 202


@bp.post("/api/auth/password-reset/confirm")
def password_reset_confirm() -> Any:
    body = request.get_json()
    user_id = _store().resets.get(body.get("token"))
    if user_id is None:
        raise ApiError(401, "This reset link is invalid, already used or expired.")
    if len(body.get("password", "")) < 8:
        raise ValidationError({"password": "must be at least 8 characters"})
    del _store().resets[body["token"]]
    _store().users[user_id]["password"] = body["password"]
    for kind in (_store().tokens, _store().refresh_tokens):
        for token in [t for t, uid in kind.items() if uid == user_id]:
            del kind[token]
    return "", 204


@bp.post("/api/auth/logout")
def logout() -> Any:
    user()
    del _store().tokens[request.headers["Authorization"].split()[1]]
    return "", 204


@bp.get("/api/books")
def books() -> Any:
    items = [b for b in _store().books.values() if b["stock"] > 0]
    items = filter_books(items, request.args)
    response = page(
        sorted(
            items,
            key=sort_key(request.args.get("sort")),
            reverse=request.args.get("sort") != "price_asc",
        )
    )
    q = request.args.get("q", "")
    if q and not items:  # a stand-in for the spelling correction: the closest title
        titles = [b["title"].lower() for b in _store().books.values()]
        close = difflib.get_close_matches(q.lower(), titles, n=1)
        body = response.get_json()
        body["did_you_mean"] = close[0] if close else None
        return jsonify(body)
    if request.args.get("facets") == "true":  # counts by category and condition, one bucket
        body = response.get_json()
        body["facets"] = {
            "category": [
                {"name": c, "count": n}
                for c in CATEGORIES
                if (n := sum(1 for b in items if b["category"] == c))
            ],
            "condition": [
                {"name": c, "count": sum(1 for b in items if b["condition"] == c)}
                for c in ("new", "like_new", "very_good", "good", "acceptable")
            ],
            "price": [{"min": "0.00", "max": None, "count": len(items)}],
        }
        return jsonify(body)
    return response


@bp.get("/api/categories")
def categories() -> Any:
    """Every category of the fixed list, counting the books in stock, as the catalogue does."""
    books = [b for b in _store().books.values() if b["stock"] > 0]
    counts = [{"name": n, "count": sum(b["category"] == n for b in books)} for n in CATEGORIES]
    return jsonify(items=counts)


@bp.get("/api/books/<book_id>")
def book(book_id: str) -> Any:
    return jsonify(book_or_404(book_id))


@bp.post("/api/books")
def create_book() -> Any:
    seller, body = user(), request.get_json()
    validate_book(body)
    bid = str(uuid.uuid4())
    _store().books[bid] = {
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
    return jsonify(_store().books[bid]), 201


@bp.patch("/api/books/<book_id>")
def update_book(book_id: str) -> Any:
    book = own(book_or_404(book_id), user())
    body = request.get_json()
    validate_book({**book, **body})
    book.update(body, updated_at=now())
    book["price"] = f"{Decimal(str(book['price'])):.2f}"
    return jsonify(book)


@bp.delete("/api/books/<book_id>")
def delete_book(book_id: str) -> Any:
    own(book_or_404(book_id), user())
    del _store().books[book_id]
    return "", 204


@bp.put("/api/books/<book_id>/cover")
def put_cover(book_id: str) -> Any:
    book = own(book_or_404(book_id), user())
    if not request.content_type or not request.content_type.startswith("image/"):
        raise ValidationError({"cover": "not a decodable image"})
    _store().covers[book_id] = (request.get_data(), request.content_type)
    book["cover_url"] = f"/api/books/{book_id}/cover"
    return jsonify(book)


@bp.get("/api/books/<book_id>/cover")
def get_cover(book_id: str) -> Any:
    if book_id not in _store().covers:
        raise ApiError(404, "No cover.")
    data, kind = _store().covers[book_id]
    return Response(data, content_type=kind)


@bp.get("/api/me/books")
def my_books() -> Any:
    me = user()
    return page([b for b in _store().books.values() if b["seller_id"] == me["id"]])


@bp.get("/api/cart")
def cart() -> Any:
    return jsonify(cart_of(_store(), user()["id"]))


@bp.put("/api/cart/items/<book_id>")
def put_cart_item(book_id: str) -> Any:
    me, book = user(), book_or_404(book_id)
    if book["seller_id"] == me["id"]:
        raise ApiError(409, "You cannot buy your own book.")
    quantity = request.get_json().get("quantity")
    if not isinstance(quantity, int) or not 1 <= quantity <= 99:
        raise ValidationError({"quantity": "must be between 1 and 99"})
    _store().carts.setdefault(me["id"], {})[book_id] = {
        "quantity": quantity,
        "price_seen": book["price"],
        "title": book["title"],
    }
    return jsonify(cart_of(_store(), me["id"]))


@bp.delete("/api/cart/items/<book_id>")
def delete_cart_item(book_id: str) -> Any:
    _store().carts.get(user()["id"], {}).pop(book_id, None)
    return jsonify(cart_of(_store(), user()["id"]))


@bp.post("/api/orders")
def place_order() -> Any:
    me, body = user(), request.get_json()
    key = (me["id"], request.headers.get("Idempotency-Key", uuid.uuid4().hex))
    if key in _store().idempotency:
        return jsonify(_store().orders[_store().idempotency[key]]), 202
    order = new_order(_store(), me, body)
    _store().idempotency[key] = order["id"]
    if body.get("from_cart"):
        _store().carts[me["id"]] = {}
    return jsonify(order), 202


@bp.get("/api/orders")
def orders() -> Any:
    me = user()
    mine = [o for o in _store().orders.values() if o["buyer_id"] == me["id"]]
    return page(sorted(mine, key=lambda o: o["created_at"], reverse=True))


@bp.get("/api/orders/<order_id>")
def order(order_id: str) -> Any:
    return jsonify(order_of(_store(), order_id, user()))


@bp.post("/api/orders/<order_id>/cancel")
def cancel(order_id: str) -> Any:
    order = order_of(_store(), order_id, user())
    if order["status"] not in ("pending", "reserved", "paid"):
        raise ApiError(409, f"The order is already {order['status']}.")
    _store().advance(order_id, "cancelled", "cancelled by the buyer")
    return jsonify(order)


@bp.get("/api/me/sales")
def sales() -> Any:
    me = user()
    sold = [
        {**i, "order_id": o["id"], "status": o["status"], "created_at": o["created_at"]}
        for o in _store().orders.values()
        for i in o["items"]
        if i["seller_id"] == me["id"]
    ]
    return page(sold)


# Discovery and insight (docs/api.md): simple stand-ins with the real shapes.


@bp.get("/api/books/<book_id>/recommendations")
def recommendations(book_id: str) -> Any:
    book = book_or_404(book_id)
    others = [b for b in _store().books.values() if b["id"] != book_id and b["stock"] > 0]
    return jsonify(
        also_bought=[],
        same_author=[b for b in others if b["author"] == book["author"]][:6],
        similar=[
            b for b in others if b["category"] == book["category"] and b["author"] != book["author"]
        ][:6],
    )


@bp.get("/api/books/suggest")
def suggest() -> Any:
    prefix = " ".join(request.args.get("q", "").split()).casefold()
    if len(prefix) < 2:
        raise ValidationError({"q": "must be at least 2 characters"})
    found = [
        {"text": b["title"], "kind": "title", "book_id": b["id"]}
        for b in _store().books.values()
        if b["title"].casefold().startswith(prefix) and b["stock"] > 0
    ]
    return jsonify(items=found[:8])


@bp.get("/api/me/sales/summary")
def sales_summary() -> Any:
    me = user()
    days = int(request.args.get("days", 30))
    sold = [
        (o, i)
        for o in _store().orders.values()
        for i in o["items"]
        if i["seller_id"] == me["id"] and o["status"] in ("paid", "shipped", "delivered")
    ]
    revenue = sum((Decimal(i["subtotal"]) for _, i in sold), Decimal("0.00"))
    orders = len({o["id"] for o, _ in sold})
    today = now()[:10]
    return jsonify(
        days=days,
        revenue=f"{revenue:.2f}",
        orders=orders,
        items_sold=sum(i["quantity"] for _, i in sold),
        average_order_value=f"{(revenue / orders if orders else Decimal(0)):.2f}",
        by_day=[{"date": today, "revenue": f"{revenue:.2f}", "items": len(sold)}],
        top_books=[
            {
                "book_id": i["book_id"],
                "title": i["title"],
                "items": i["quantity"],
                "revenue": i["subtotal"],
            }
            for _, i in sold[:5]
        ],
        rating={"average": None, "count": 0},
    )


@bp.get("/api/me/sales.csv")
def sales_csv() -> Any:
    user()
    return Response(
        "order_id,date,title,quantity,unit_price,subtotal,status\r\n", mimetype="text/csv"
    )
