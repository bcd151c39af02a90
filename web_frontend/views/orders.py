"""My orders, the order page with its live timeline, and Cancel."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from web_frontend.auth import current_user, login_required
from web_frontend.clients import GatewayError, GatewayUnavailable, api
from web_frontend.presenters import FINAL

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
    return render_template(
        "order.html", order=order, poll_ms=current_app.extensions["config"].timeline_poll_ms
    )


@bp.get("/orders/<order_id>/timeline.json")
def timeline(order_id: str) -> tuple[Response, int]:
    """What the page's poller asks for: the status, and the live part of the page as HTML."""
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
