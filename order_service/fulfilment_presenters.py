"""Shipments, reviews, balance and payouts -> the JSON of docs/api.md (Seller fulfilment)."""

from __future__ import annotations

from typing import Any

from order_service.balance import Balance
from order_service.events import money
from order_service.fulfilment import SellerShipment
from order_service.models import LedgerEntry, Order, Payout, Review, Shipment
from shared.timestamps import iso_or_none


def shipment_json(order: Order, shipment: Shipment) -> dict[str, Any]:
    return {
        "id": shipment.id,
        "order_id": order.id,
        "seller_id": shipment.seller_id,
        "seller_name": shipment.seller_name,
        "items": [
            {
                "book_id": item.book_id,
                "title": item.title,
                "quantity": item.quantity,
                "subtotal": money(item.unit_price * item.quantity),
            }
            for item in order.items
            if item.seller_id == shipment.seller_id
        ],
        "subtotal": money(shipment.subtotal),
        "status": shipment.status,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "ship_by": iso_or_none(shipment.ship_by),
        "shipped_at": iso_or_none(shipment.shipped_at),
        "delivered_at": iso_or_none(shipment.delivered_at),
        "cancelled_reason": shipment.cancelled_reason,
    }


def seller_shipment_json(found: SellerShipment) -> dict[str, Any]:
    """What the seller needs to send it: the buyer's name and shipping address too."""
    order = found.order
    return {
        **shipment_json(order, found.shipment),
        "buyer_name": (order.shipping_address or {}).get("name", ""),
        "shipping_address": order.shipping_address,
    }


def review_json(review: Review) -> dict[str, Any]:
    return {
        "id": review.id,
        "seller_id": review.seller_id,
        "rating": review.rating,
        "comment": review.comment,
        "created_at": iso_or_none(review.created_at),
    }


def balance_json(found: Balance, *, commission_percent: object) -> dict[str, Any]:
    return {
        "pending": money(found.pending),
        "available": money(found.available),
        "paid_out": money(found.paid_out),
        "currency": "USD",
        "commission_percent": float(str(commission_percent)),
    }


def entry_json(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "amount": money(entry.amount),
        "order_id": entry.order_id,
        "shipment_id": entry.shipment_id,
        "at": iso_or_none(entry.at),
    }


def payout_json(payout: Payout) -> dict[str, Any]:
    return {
        "id": payout.id,
        "amount": money(payout.amount),
        "status": payout.status,
        "created_at": iso_or_none(payout.created_at),
    }
