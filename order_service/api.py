"""order_service HTTP routes: thin views over cart, checkout and service use cases."""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context
from sqlalchemy.orm import Session, sessionmaker

from order_service import cart, checkout, sales_summary, service
from order_service.payments import PaymentProvider
from order_service.presenters import cart_json, order_json, sale_json
from order_service.validation import parse_checkout
from shared.contract.orders import IDEMPOTENCY_KEY_PATTERN, CartQuantity
from shared.contract.patterns import is_uuid
from shared.web.errors import ApiError, ValidationError
from shared.web.paging import page_json, paging_args
from shared.web.requests import body, json_body
from shared.web.tokens import current_user, login_required

bp = Blueprint("orders", __name__, url_prefix="/api")
_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def _sessions() -> sessionmaker[Session]:
    return current_app.extensions["db"].session  # type: ignore[no-any-return]


def _provider() -> PaymentProvider:
    return current_app.extensions["payments"]  # type: ignore[no-any-return]


def _book_id(book_id: str) -> str:
    if not is_uuid(book_id):
        raise ApiError(404, "No such book.")
    return book_id.lower()


@bp.get("/cart")
@login_required
def get_cart() -> Response:
    return jsonify(cart_json(cart.get_cart(sessions=_sessions(), user_id=current_user().id)))


@bp.put("/cart/items/<book_id>")
@login_required
def put_cart_item(book_id: str) -> Response:
    quantity = body(CartQuantity).quantity
    view = cart.set_cart_item(
        sessions=_sessions(),
        user_id=current_user().id,
        book_id=_book_id(book_id),
        quantity=quantity,
    )
    return jsonify(cart_json(view))


@bp.delete("/cart/items/<book_id>")
@login_required
def delete_cart_item(book_id: str) -> Response:
    view = cart.remove_cart_item(
        sessions=_sessions(), user_id=current_user().id, book_id=book_id.lower()
    )
    return jsonify(cart_json(view))


@bp.post("/orders")
@login_required
def place_order() -> tuple[Response, int]:
    raw = json_body()
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _KEY.fullmatch(key):
        raise ValidationError({"Idempotency-Key": "must be 1 to 255 visible ASCII characters"})
    placed = checkout.place_order(
        sessions=_sessions(),
        provider=_provider(),
        buyer_id=current_user().id,
        checkout=parse_checkout(raw),
        idempotency_key=key,
        fingerprint=checkout.request_fingerprint(raw),
        pending_timeout_seconds=current_app.extensions["config"].pending_timeout_seconds,
    )
    response = jsonify(order_json(placed.order))
    response.headers["Location"] = f"/api/orders/{placed.order.id}"
    if placed.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 202


@bp.get("/orders")
@login_required
def list_orders() -> Response:
    paging = paging_args(request.args)
    found = service.list_orders(
        sessions=_sessions(), buyer_id=current_user().id, page=paging.page, per_page=paging.per_page
    )
    return jsonify(page_json(map(order_json, found.items), paging, found.total))


@bp.get("/orders/<order_id>")
@login_required
def get_order(order_id: str) -> Response:
    order = service.get_order(sessions=_sessions(), buyer_id=current_user().id, order_id=order_id)
    return jsonify(order_json(order))


@bp.post("/orders/<order_id>/cancel")
@login_required
def cancel_order(order_id: str) -> Response:
    order = service.cancel_order(
        sessions=_sessions(), provider=_provider(), buyer_id=current_user().id, order_id=order_id
    )
    return jsonify(order_json(order))


@bp.get("/me/sales")
@login_required
def my_sales() -> Response:
    paging = paging_args(request.args)
    found = service.list_sales(
        sessions=_sessions(),
        seller_id=current_user().id,
        page=paging.page,
        per_page=paging.per_page,
    )
    return jsonify(page_json(map(sale_json, found.items), paging, found.total))


@bp.get("/me/sales/summary")
@login_required
def my_sales_summary() -> Response:
    days = sales_summary.parse_days(request.args.get("days"))
    found = sales_summary.sales_summary(
        sessions=_sessions(), seller_id=current_user().id, days=days
    )
    return jsonify(sales_summary.summary_json(found))


@bp.get("/me/sales.csv")
@login_required
def my_sales_csv() -> Response:
    lines = sales_summary.sales_csv(sessions=_sessions(), seller_id=current_user().id)
    disposition = 'attachment; filename="sales.csv"'
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )
