"""Seller fulfilment pages: what to ship (/my/shipments), the balance (/my/balance), the
auto-ship section of /my/settings, seller profiles (/sellers/<id>), and the buyer's "received"
and review buttons on an order page. Each form posts the API's field names and, done or
refused, answers with a 303 back to its page (the API's message flashed)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from shared.contract import fulfilment as rules
from web_frontend.auth import current_user, login_required
from web_frontend.clients import GatewayError, GatewayUnavailable, api

bp = Blueprint("fulfilment", __name__)


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def _per_page() -> int:
    return int(current_app.extensions["config"].per_page)


def _refused(exc: GatewayError) -> None:
    """Say why the API refused a form (field by field when it said which)."""
    if isinstance(exc, GatewayUnavailable) or exc.status not in (404, 409, 422):
        raise exc
    details = "; ".join(f"{name}: {text}" for name, text in exc.fields.items())
    flash(f"{exc.message} {details}".strip(), "error")


@bp.get("/my/shipments")
@login_required
def shipments() -> str:
    status = request.args.get("status", "awaiting_shipment")
    status = status if status in rules.SHIPMENT_STATUSES else ""
    listing = api().shipments(status, _page(), _per_page())
    return render_template(
        "my_shipments.html", listing=listing, status=status, statuses=rules.SHIPMENT_STATUSES
    )


@bp.post("/my/shipments/<shipment_id>/ship")
@login_required
def ship(shipment_id: str) -> ResponseReturnValue:
    body = {name: request.form.get(name, "") for name in ("carrier", "tracking_number")}
    try:
        api().ship(shipment_id, body)
        flash("Marked as shipped: the buyer can follow it now.", "success")
    except GatewayError as exc:
        _refused(exc)
    return redirect(url_for("fulfilment.shipments"), 303)


@bp.post("/my/shipments/<shipment_id>/cancel")
@login_required
def cancel(shipment_id: str) -> ResponseReturnValue:
    try:
        api().cancel_shipment(shipment_id, request.form.get("reason", ""))
        flash("Shipment cancelled: the buyer is refunded and the books are back on sale.", "info")
    except GatewayError as exc:
        _refused(exc)
    return redirect(url_for("fulfilment.shipments"), 303)


@bp.route("/my/balance", methods=["GET", "POST"])
@login_required
def balance() -> ResponseReturnValue:
    if request.method == "POST":
        amount = request.form.get("amount", "").strip().replace(",", ".") or None
        try:
            payout = api().payout(amount)
            flash(f"{payout['amount']} USD is on its way to your bank account.", "success")
        except GatewayError as exc:
            _refused(exc)
        return redirect(url_for("fulfilment.balance"), 303)
    entries = api().balance_entries(_page(), _per_page())
    return render_template("my_balance.html", balance=api().balance(), entries=entries)


@bp.post("/my/settings/auto-ship")
@login_required
def auto_ship() -> ResponseReturnValue:
    on = request.form.get("auto_ship") in ("on", "true", "1")
    api().set_seller_settings(on)
    flash("Auto-ship is on." if on else "Auto-ship is off: ship your sales yourself.", "success")
    return redirect(url_for("notifications.settings"), 303)


@bp.get("/sellers/<seller_id>")
def seller(seller_id: str) -> str:
    profile = api().seller(seller_id)
    reviews = api().seller_reviews(seller_id, _page(), _per_page())
    return render_template("seller.html", profile=profile, reviews=reviews)


@bp.post("/orders/<order_id>/shipments/<shipment_id>/received")
@login_required
def received(order_id: str, shipment_id: str) -> ResponseReturnValue:
    try:
        api().receive(order_id, shipment_id)
        flash("Thanks! You can now review the seller.", "success")
    except GatewayError as exc:
        _refused(exc)
    return redirect(url_for("orders.show", order_id=order_id), 303)


@bp.post("/orders/<order_id>/shipments/<shipment_id>/review")
@login_required
def review(order_id: str, shipment_id: str) -> ResponseReturnValue:
    body: dict[str, Any] = {"comment": request.form.get("comment", "").strip() or None}
    try:
        body["rating"] = int(request.form.get("rating", ""))
    except ValueError:
        body["rating"] = None  # the API says what a rating must be
    try:
        api().review(order_id, shipment_id, body)
        flash("Thanks for your review.", "success")
    except GatewayError as exc:
        _refused(exc)
    return redirect(url_for("orders.show", order_id=order_id), 303)


def seller_settings() -> dict[str, Any] | None:
    """The signed-in user's seller settings, for the auto-ship section of /my/settings."""
    if current_user() is None:
        return None
    try:
        return dict(api().seller_settings())
    except GatewayError:
        return None


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(seller_settings)
    app.jinja_env.globals.update(SHIPMENT_STATUSES=rules.SHIPMENT_STATUSES, RATINGS=range(5, 0, -1))
