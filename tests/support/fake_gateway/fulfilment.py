"""The fake API's seller fulfilment routes (docs/api.md, Seller fulfilment), over a Store.

A test opens a paid order's shipments with `open_shipments(store, order_id)`; the routes then
ship, cancel, receive and review them, keep seller settings, and sum a balance, with the
statuses and error shape of the real API (as much of it as the frontend's tests need)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from shared.contract.fulfilment import SHIPMENT_STATUSES
from shared.web.errors import ApiError, ValidationError
from tests.support.fake_gateway.store import Store, now

bp = Blueprint("fake_fulfilment", __name__)
COMMISSION = Decimal("0.10")


def open_shipments(store: Store, order_id: str) -> list[dict[str, Any]]:
    """What paying does in the real system: one shipment per seller of the order."""
    order = store.orders[order_id]
    parts: dict[str, dict[str, Any]] = {}
    for item in order["items"]:
        seller = item["seller_id"]
        part = parts.setdefault(
            seller,
            {
                "id": str(uuid.uuid4()),
                "order_id": order_id,
                "seller_id": seller,
                "seller_name": store.users.get(seller, {}).get("name", ""),
                "items": [],
                "subtotal": "0.00",
                "status": "awaiting_shipment",
                "carrier": None,
                "tracking_number": None,
                "ship_by": now(),
                "shipped_at": None,
                "delivered_at": None,
                "cancelled_reason": None,
            },
        )
        part["items"].append({k: item[k] for k in ("book_id", "title", "quantity", "subtotal")})
        part["subtotal"] = f"{Decimal(part['subtotal']) + Decimal(item['subtotal']):.2f}"
    order["shipments"] = list(parts.values())
    order["shipment"] = order["shipments"][0]
    order["status"] = "paid"
    for part in parts.values():
        store.shipments[part["id"]] = part
    return order["shipments"]


def _store() -> Store:
    return current_app.extensions["store"]  # type: ignore[no-any-return]


def _me() -> dict[str, Any]:
    from tests.support.fake_gateway.routes import user

    return user()


def _mine(shipment_id: str) -> dict[str, Any]:
    found = _store().shipments.get(shipment_id)
    if found is None or found["seller_id"] != _me()["id"]:
        raise ApiError(404, "No such shipment.")
    return found


def _with_address(part: dict[str, Any]) -> dict[str, Any]:
    address = _store().orders[part["order_id"]]["shipping_address"]
    return {**part, "buyer_name": address.get("name", ""), "shipping_address": address}


def _buyers(order_id: str, shipment_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    order = _store().orders.get(order_id)
    if order is None or order["buyer_id"] != _me()["id"]:
        raise ApiError(404, "No such order.")
    part = next((s for s in order.get("shipments", []) if s["id"] == shipment_id), None)
    if part is None:
        raise ApiError(404, "No such shipment.")
    return order, part


@bp.get("/api/me/shipments")
def shipments() -> Response:
    status = request.args.get("status") or None
    if status and status not in SHIPMENT_STATUSES:
        raise ValidationError({"status": "unknown status"})
    mine = [
        _with_address(s)
        for s in _store().shipments.values()
        if s["seller_id"] == _me()["id"] and status in (None, s["status"])
    ]
    return jsonify(items=mine, page=1, per_page=20, total=len(mine))


@bp.post("/api/shipments/<shipment_id>/ship")
def ship(shipment_id: str) -> Response:
    part, body = _mine(shipment_id), request.get_json() or {}
    errors = {
        name: "required"
        for name, low in (("carrier", 1), ("tracking_number", 4))
        if len(str(body.get(name) or "").strip()) < low
    }
    if errors:
        raise ValidationError(errors)
    if part["status"] != "awaiting_shipment":
        raise ApiError(409, f"The shipment is {part['status']}.")
    part.update(status="shipped", carrier=body["carrier"], tracking_number=body["tracking_number"])
    part["shipped_at"] = now()
    return jsonify(_with_address(part))


@bp.post("/api/shipments/<shipment_id>/cancel")
def cancel(shipment_id: str) -> Response:
    part, body = _mine(shipment_id), request.get_json() or {}
    if not str(body.get("reason") or "").strip():
        raise ValidationError({"reason": "required"})
    if part["status"] != "awaiting_shipment":
        raise ApiError(409, f"The shipment is {part['status']}.")
    part.update(status="cancelled", cancelled_reason=body["reason"])
    return jsonify(_with_address(part))


@bp.post("/api/orders/<order_id>/shipments/<shipment_id>/received")
def received(order_id: str, shipment_id: str) -> Response:
    order, part = _buyers(order_id, shipment_id)
    if part["status"] != "shipped":
        raise ApiError(409, "The shipment has not been shipped.")
    part.update(status="delivered", delivered_at=now())
    return jsonify(order)


@bp.post("/api/orders/<order_id>/shipments/<shipment_id>/review")
def review(order_id: str, shipment_id: str) -> tuple[Response, int]:
    _, part = _buyers(order_id, shipment_id)
    body = request.get_json() or {}
    if part["status"] != "delivered" or any(
        r["shipment_id"] == shipment_id for r in _store().reviews
    ):
        raise ApiError(409, "Not delivered yet, or already reviewed.")
    if body.get("rating") not in (1, 2, 3, 4, 5):
        raise ValidationError({"rating": "must be an integer from 1 to 5"})
    posted = {
        "id": str(uuid.uuid4()),
        "shipment_id": shipment_id,
        "seller_id": part["seller_id"],
        "rating": body["rating"],
        "comment": body.get("comment"),
        "buyer_name": _me()["name"],
        "created_at": now(),
    }
    _store().reviews.append(posted)
    return jsonify(
        {k: posted[k] for k in ("id", "seller_id", "rating", "comment", "created_at")}
    ), 201


@bp.route("/api/me/seller-settings", methods=["GET", "PUT"])
def seller_settings() -> Response:
    me = _me()["id"]
    if request.method == "PUT":
        on = (request.get_json() or {}).get("auto_ship")
        if not isinstance(on, bool):
            raise ValidationError({"auto_ship": "must be true or false"})
        _store().seller_settings[me] = on
    return jsonify(auto_ship=_store().seller_settings.get(me, False))


def _reviews_of(seller_id: str) -> list[dict[str, Any]]:
    found = [r for r in _store().reviews if r["seller_id"] == seller_id]
    return [{k: r[k] for k in ("rating", "comment", "buyer_name", "created_at")} for r in found]


@bp.get("/api/sellers/<seller_id>")
def seller(seller_id: str) -> Response:
    user = _store().users.get(seller_id)
    if user is None:
        raise ApiError(404, "No such seller.")
    reviews = _reviews_of(seller_id)
    ratings = [r["rating"] for r in reviews]
    return jsonify(
        id=seller_id,
        name=user["name"],
        member_since=now(),
        rating={"average": sum(ratings) / len(ratings) if ratings else None, "count": len(ratings)},
        sales_count=0,
        listings_count=sum(1 for b in _store().books.values() if b["seller_id"] == seller_id),
        recent_reviews=reviews[:5],
    )


@bp.get("/api/sellers/<seller_id>/reviews")
def seller_reviews(seller_id: str) -> Response:
    if seller_id not in _store().users:
        raise ApiError(404, "No such seller.")
    reviews = _reviews_of(seller_id)
    return jsonify(items=reviews, page=1, per_page=20, total=len(reviews))


def _entries(me: str) -> list[dict[str, Any]]:
    entries = []
    for part in _store().shipments.values():
        if part["seller_id"] != me:
            continue
        sale = Decimal(part["subtotal"])
        cut = (sale * COMMISSION).quantize(Decimal("0.01"))
        kinds = [("sale", sale), ("commission", -cut)]
        if part["status"] == "cancelled":
            kinds.append(("refund", cut - sale))
        for kind, amount in kinds:
            entries.append(
                {
                    "kind": kind,
                    "amount": f"{amount:.2f}",
                    "order_id": part["order_id"],
                    "shipment_id": part["id"],
                    "at": now(),
                    "delivered": part["status"] == "delivered",
                }
            )
    return entries + _store().payouts.get(me, [])


@bp.get("/api/me/balance")
def balance() -> Response:
    entries = _entries(_me()["id"])
    available = sum(
        Decimal(e["amount"]) for e in entries if e["kind"] == "payout" or e["delivered"]
    )
    total = sum((Decimal(e["amount"]) for e in entries), Decimal(0))
    paid = -sum((Decimal(e["amount"]) for e in entries if e["kind"] == "payout"), Decimal(0))
    return jsonify(
        pending=f"{total - available:.2f}",
        available=f"{available:.2f}",
        paid_out=f"{paid:.2f}",
        currency="USD",
        commission_percent=10.0,
    )


@bp.get("/api/me/balance/entries")
def entries() -> Response:
    found = [{k: v for k, v in e.items() if k != "delivered"} for e in _entries(_me()["id"])]
    return jsonify(items=found, page=1, per_page=20, total=len(found))


@bp.post("/api/me/payouts")
def payout() -> tuple[Response, int]:
    me = _me()["id"]
    entries = _entries(me)
    available = sum(
        (Decimal(e["amount"]) for e in entries if e["kind"] == "payout" or e["delivered"]),
        Decimal(0),
    )
    raw = (request.get_json(silent=True) or {}).get("amount")
    amount = available if raw is None else Decimal(str(raw))
    if amount <= 0 or amount > available:
        raise ValidationError({"amount": f"must be at most the available {available:.2f}"})
    sent = {
        "id": str(uuid.uuid4()),
        "amount": f"{amount:.2f}",
        "status": "sent",
        "created_at": now(),
    }
    entry = {
        "kind": "payout",
        "amount": f"{-amount:.2f}",
        "order_id": None,
        "shipment_id": None,
        "at": now(),
        "delivered": True,
    }
    _store().payouts.setdefault(me, []).append(entry)
    return jsonify(sent), 201
