"""Domain objects -> the JSON of docs/api.md (money as two-decimal strings, times as UTC with Z)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect

from order_service.cart import CartView
from order_service.events import money
from order_service.fulfilment_presenters import shipment_json
from order_service.models import Order, Shipment
from order_service.service import Sale
from shared.timestamps import iso_or_none


def iso(at: datetime | None) -> str | None:
    """ISO 8601 UTC with milliseconds and a Z, or None (shared.timestamps, one format)."""
    return iso_or_none(at)


def order_json(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "buyer_id": order.buyer_id,
        "status": order.status,
        "items": [
            {
                "book_id": item.book_id,
                "title": item.title,
                "seller_id": item.seller_id,
                "quantity": item.quantity,
                "unit_price": money(item.unit_price),
                "subtotal": money(item.unit_price * item.quantity),
            }
            for item in order.items
        ],
        "total": money(order.total),
        "currency": order.currency,
        "shipping_address": order.shipping_address,
        "payment": {
            "brand": order.payment_brand,
            "last4": order.payment_last4,
            "status": order.payment_status,
        },
        "shipment": _shipment(order),
        "shipments": [shipment_json(order, shipment) for shipment in _shipments(order)],
        "timeline": [
            {"status": entry.status, "at": iso(entry.at), "reason": entry.reason}
            for entry in order.timeline
        ],
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
    }


def _shipments(order: Order) -> list[Shipment]:
    """The order's shipments; none for an order just placed (its list was never loaded)."""
    if "shipments" in inspect(order).unloaded:
        return []
    return list(order.shipments)


def _shipment(order: Order) -> dict[str, Any] | None:
    """The first shipment (kept until clients move to `shipments`); the old shape before them."""
    if found := _shipments(order):
        return shipment_json(order, found[0])
    if not order.carrier:
        return None
    return {
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "shipped_at": iso(order.shipped_at),
        "delivered_at": iso(order.delivered_at),
    }


def cart_json(cart: CartView) -> dict[str, Any]:
    items = []
    for line in cart.lines:
        item: dict[str, Any] = {
            "book_id": line.book_id,
            "title": line.title,
            "unit_price": money(line.unit_price),
            "quantity": line.quantity,
            "subtotal": money(line.subtotal),
            "available": line.available,
        }
        if line.previous_unit_price is not None:
            item["previous_unit_price"] = money(line.previous_unit_price)
        items.append(item)
    return {"items": items, "total": money(cart.total), "currency": "USD", "notices": cart.notices}


def sale_json(sale: Sale) -> dict[str, Any]:
    item = sale.item
    return {
        "order_id": item.order_id,
        "book_id": item.book_id,
        "title": item.title,
        "quantity": item.quantity,
        "unit_price": money(item.unit_price),
        "subtotal": money(item.unit_price * item.quantity),
        "status": sale.status,
        "ordered_at": iso(sale.order_created_at),  # type: ignore[arg-type]
    }
