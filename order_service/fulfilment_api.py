"""Fulfilment HTTP routes (docs/api.md, Seller fulfilment): thin views over fulfilment.py."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.orm import Session, sessionmaker

from order_service import fulfilment
from order_service.config import Config
from order_service.fulfilment_presenters import (
    balance_json,
    entry_json,
    payout_json,
    review_json,
    seller_shipment_json,
)
from order_service.fulfilment_validation import parse_status
from order_service.payments import PaymentProvider
from order_service.presenters import order_json
from shared.contract.fulfilment import (
    PayoutCreate,
    ReviewCreate,
    SellerSettingsUpdate,
    ShipmentCancel,
    ShipmentShip,
)
from shared.web.paging import page_json, paging_args
from shared.web.requests import body
from shared.web.tokens import current_user, login_required

bp = Blueprint("fulfilment", __name__, url_prefix="/api")


def _sessions() -> sessionmaker[Session]:
    return current_app.extensions["db"].session  # type: ignore[no-any-return]


def _provider() -> PaymentProvider:
    return current_app.extensions["payments"]  # type: ignore[no-any-return]


def _config() -> Config:
    return current_app.extensions["config"]  # type: ignore[no-any-return]


@bp.get("/me/shipments")
@login_required
def my_shipments() -> Response:
    paging = paging_args(request.args)
    found = fulfilment.list_shipments(
        sessions=_sessions(),
        seller_id=current_user().id,
        status=parse_status(request.args.get("status")),
        page=paging.page,
        per_page=paging.per_page,
    )
    return jsonify(page_json(map(seller_shipment_json, found.items), paging, found.total))


@bp.post("/shipments/<shipment_id>/ship")
@login_required
def ship(shipment_id: str) -> Response:
    form = body(ShipmentShip)
    shipped = fulfilment.ship(
        sessions=_sessions(),
        settings=_config().fulfilment,
        seller_id=current_user().id,
        shipment_id=shipment_id,
        carrier=form.carrier,
        tracking_number=form.tracking_number,
    )
    return jsonify(seller_shipment_json(shipped))


@bp.post("/shipments/<shipment_id>/cancel")
@login_required
def cancel(shipment_id: str) -> Response:
    reason = body(ShipmentCancel).reason
    cancelled = fulfilment.cancel(
        sessions=_sessions(),
        provider=_provider(),
        seller_id=current_user().id,
        shipment_id=shipment_id,
        reason=reason,
    )
    return jsonify(seller_shipment_json(cancelled))


@bp.post("/orders/<order_id>/shipments/<shipment_id>/received")
@login_required
def received(order_id: str, shipment_id: str) -> Response:
    order = fulfilment.confirm_received(
        sessions=_sessions(), buyer_id=current_user().id, order_id=order_id, shipment_id=shipment_id
    )
    return jsonify(order_json(order))


@bp.post("/orders/<order_id>/shipments/<shipment_id>/review")
@login_required
def review(order_id: str, shipment_id: str) -> tuple[Response, int]:
    form = body(ReviewCreate)
    user = current_user()
    posted = fulfilment.post_review(
        sessions=_sessions(),
        buyer_id=user.id,
        buyer_name=user.name,
        order_id=order_id,
        shipment_id=shipment_id,
        rating=form.rating,
        comment=form.comment,
    )
    return jsonify(review_json(posted)), 201


@bp.get("/me/seller-settings")
@login_required
def get_settings() -> Response:
    auto_ship = fulfilment.get_settings(sessions=_sessions(), seller_id=current_user().id)
    return jsonify({"auto_ship": auto_ship})


@bp.put("/me/seller-settings")
@login_required
def put_settings() -> Response:
    auto_ship = fulfilment.put_settings(
        sessions=_sessions(),
        seller_id=current_user().id,
        auto_ship=body(SellerSettingsUpdate).auto_ship,
    )
    return jsonify({"auto_ship": auto_ship})


@bp.get("/me/balance")
@login_required
def my_balance() -> Response:
    config = _config()
    found = fulfilment.get_balance(
        sessions=_sessions(),
        seller_id=current_user().id,
        hold_seconds=config.payout_hold_seconds,
    )
    return jsonify(balance_json(found, commission_percent=config.commission_percent))


@bp.get("/me/balance/entries")
@login_required
def my_entries() -> Response:
    paging = paging_args(request.args)
    found = fulfilment.list_entries(
        sessions=_sessions(),
        seller_id=current_user().id,
        page=paging.page,
        per_page=paging.per_page,
    )
    return jsonify(page_json(map(entry_json, found.items), paging, found.total))


@bp.post("/me/payouts")
@login_required
def pay_out() -> tuple[Response, int]:
    payout = fulfilment.pay_out(
        sessions=_sessions(),
        seller_id=current_user().id,
        amount=body(PayoutCreate).amount,  # {} pays out everything available
        hold_seconds=_config().payout_hold_seconds,
    )
    return jsonify(payout_json(payout)), 201
