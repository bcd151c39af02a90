"""My orders, the order page with its live timeline, and Cancel."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from shared.contract.orders import COUNTRY_NAMES
from web_frontend.auth import current_user, login_required
from web_frontend.clients import GatewayError, GatewayUnavailable, api
from web_frontend.presenters import FINAL
from web_frontend.views import marketplace

bp = Blueprint("orders", __name__)


@bp.get("/orders")
@login_required
def index() -> str:
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    listing = api().orders(page, current_app.extensions["config"].per_page)
    return render_template("orders.html", listing=listing, page=page)


@bp.get("/orders/<order_id>")
@login_required
def show(order_id: str) -> str:
    order = api().order(order_id)
    lines = marketplace.with_books({"items": order.get("items", [])}, api().book)["items"]
    return render_template(
        "order.html",
        order=order,
        lines=lines,
        country_names=COUNTRY_NAMES,
        poll_ms=current_app.extensions["config"].timeline_poll_ms,
    )


@bp.get("/orders/<order_id>/timeline.json")
def timeline(order_id: str) -> tuple[Response, int]:
    """What the page's poller asks for: the status, and the live part of the page as HTML."""
    g.background = True  # a poll never renews the session (nor clears it): the page does
    if current_user() is None:
        return jsonify(error={"code": "unauthorized", "message": "Sign in again."}), 401
    try:
        order = api().order(order_id)
    except GatewayError as exc:
        code = "upstream_unavailable" if isinstance(exc, GatewayUnavailable) else exc.code
        return jsonify(error={"code": code, "message": exc.message}), exc.status
    html = render_template("_order_live.html", order=order)
    return jsonify(status=order["status"], final=order["status"] in FINAL, html=html), 200


@bp.post("/orders/<order_id>/cancel")
@login_required
def cancel(order_id: str) -> Any:
    try:
        api().cancel_order(order_id)
    except GatewayUnavailable:
        raise
    except GatewayError as exc:
        if exc.status != 409:
            raise
        flash(f"This order can no longer be cancelled: {exc.message}", "error")
    else:
        flash("Your order is cancelled.", "success")
    return redirect(url_for("orders.show", order_id=order_id), code=303)


@bp.post("/orders/<order_id>/retry")
@login_required
def retry(order_id: str) -> Any:
    """A failed (or cancelled) order's books back in the cart, then the checkout: another card."""
    order = api().order(order_id)
    missing = []
    for item in order.get("items", []):
        try:
            api().set_cart_item(item["book_id"], int(item["quantity"]))
        except GatewayUnavailable:
            raise
        except GatewayError as exc:
            if exc.status not in (404, 409, 422):
                raise
            missing.append(item["title"])
    if missing:
        flash(f"No longer available: {', '.join(missing)}.", "error")
    if len(missing) == len(order.get("items", [])):
        return redirect(url_for("cart.show"), code=303)
    flash("The books are back in your cart: pay with another card.", "info")
    return redirect(url_for("cart.checkout"), code=303)
