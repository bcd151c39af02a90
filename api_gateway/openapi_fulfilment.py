"""The OpenAPI part of seller fulfilment, reviews and balance (docs/api.md, Seller fulfilment):
its schemas and operations, merged into the document by api_gateway/openapi.py. The limits are
the contract's (shared/contract/fulfilment.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api_gateway.openapi_schemas import (
    MONEY,
    NULLABLE,
    SPACE,
    TIME,
    UUID,
    Schema,
    line,
    obj,
    page_of,
    ref,
)
from shared.contract import fulfilment as rules

TAG = "fulfilment"
TEXT = {"type": "string"}
COUNT: Schema = {"type": "integer", "minimum": 0}
RATING: Schema = obj({"average": NULLABLE({"type": "number"}), "count": COUNT})
SHIPMENT_STATUS: Schema = {"type": "string", "enum": list(rules.SHIPMENT_STATUSES)}
POSITIVE_MONEY_IN: Schema = {
    "oneOf": [
        {"type": "string", "pattern": rules.PAYOUT_AMOUNT_PATTERN},
        {
            "type": "number",
            "minimum": 0.01,
            "maximum": float(rules.PAYOUT_AMOUNT_MAX),
            "multipleOf": 0.01,
        },
    ]
}
_EDGE = r"[^\s\x00-\x1f\x7f\x85]"
_LOW, _HIGH = rules.TRACKING_MIN - 2, rules.TRACKING_MAX - 2  # inside the two edge characters
# 4 to 40 characters once stripped, no control characters (order_service's check).
TRACKING: Schema = {
    "type": "string",
    "pattern": rf"^{SPACE}*{_EDGE}[^\x00-\x1f\x7f]{{{_LOW},{_HIGH}}}{_EDGE}{SPACE}*$",
}
COMMENT: Schema = {
    "type": "string",
    "maxLength": rules.REVIEW_COMMENT_MAX,
    "pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
}

SHIPMENT_FIELDS: dict[str, Schema] = {
    "id": UUID,
    "order_id": UUID,
    "seller_id": UUID,
    "seller_name": TEXT,
    "items": {
        "type": "array",
        "items": obj(
            {"book_id": UUID, "title": TEXT, "quantity": {"type": "integer"}, "subtotal": MONEY}
        ),
    },
    "subtotal": MONEY,
    "status": SHIPMENT_STATUS,
    "carrier": NULLABLE(TEXT),
    "tracking_number": NULLABLE(TEXT),
    "ship_by": TIME,
    "shipped_at": NULLABLE(TIME),
    "delivered_at": NULLABLE(TIME),
    "cancelled_reason": NULLABLE(TEXT),
}

SCHEMAS: dict[str, Schema] = {
    "Shipment": obj(SHIPMENT_FIELDS),
    "SellerShipment": obj(
        {**SHIPMENT_FIELDS, "buyer_name": TEXT, "shipping_address": {"type": "object"}}
    ),
    "SellerShipmentPage": page_of("SellerShipment"),
    "ShipmentShip": obj(
        {
            "carrier": line(rules.CARRIER_MAX),
            "tracking_number": TRACKING,
        },
        closed=True,
    ),
    "ShipmentCancel": obj({"reason": line(rules.CANCEL_REASON_MAX)}, closed=True),
    "ReviewCreate": obj(
        {
            "rating": {"type": "integer", "minimum": rules.RATING_MIN, "maximum": rules.RATING_MAX},
            "comment": NULLABLE(COMMENT),
        },
        ["rating"],
        closed=True,
    ),
    "Review": obj(
        {
            "id": UUID,
            "seller_id": UUID,
            "rating": {"type": "integer"},
            "comment": NULLABLE(TEXT),
            "created_at": TIME,
        }
    ),
    "SellerSettings": obj({"auto_ship": {"type": "boolean"}}, closed=True),
    "SellerReview": obj(
        {
            "rating": {"type": "integer"},
            "comment": NULLABLE(TEXT),
            "buyer_name": TEXT,
            "created_at": TIME,
        }
    ),
    "SellerReviewPage": page_of("SellerReview"),
    "SellerProfile": obj(
        {
            "id": UUID,
            "name": TEXT,
            "member_since": NULLABLE(TIME),
            "rating": RATING,
            "sales_count": COUNT,
            "listings_count": COUNT,
            "recent_reviews": {"type": "array", "items": ref("SellerReview")},
        }
    ),
    "Balance": obj(
        {
            "pending": MONEY,
            "available": MONEY,
            "paid_out": MONEY,
            "currency": {"type": "string", "enum": ["USD"]},
            "commission_percent": {"type": "number"},
        }
    ),
    "LedgerEntry": obj(
        {
            "kind": {"type": "string", "enum": list(rules.LEDGER_KINDS)},
            "amount": {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"},
            "order_id": NULLABLE(UUID),
            "shipment_id": NULLABLE(UUID),
            "at": TIME,
        }
    ),
    "LedgerEntryPage": page_of("LedgerEntry"),
    "PayoutCreate": obj({"amount": NULLABLE(POSITIVE_MONEY_IN)}, [], closed=True),
    "Payout": obj(
        {
            "id": UUID,
            "amount": MONEY,
            "status": {"type": "string", "enum": ["sent"]},
            "created_at": TIME,
        }
    ),
}


def _path(*names: str) -> list[Schema]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in names
    ]


def paths(op: Callable[..., dict[str, Any]], paging: list[Schema]) -> dict[str, Any]:
    """The operations; `op` and `paging` are the document's own builders (openapi.py)."""
    # Blank means every status, as for the catalogue's filters.
    any_status = {"type": "string", "enum": ["", *rules.SHIPMENT_STATUSES]}
    status = {"name": "status", "in": "query", "required": False, "schema": any_status}
    shipment, order_shipment, seller = (
        _path("shipment_id"),
        _path("order_id", "shipment_id"),
        _path("seller_id"),
    )
    return {
        "/api/me/shipments": {
            "get": op(
                "The caller's shipments to send, oldest ship-by first",
                TAG,
                ok=(200, "SellerShipmentPage"),
                errors=(422,),
                params=[*paging, status],
            )
        },
        "/api/shipments/{shipment_id}/ship": {
            "post": op(
                "Ship one's own shipment",
                TAG,
                body="ShipmentShip",
                ok=(200, "SellerShipment"),
                errors=(404, 409),
                params=shipment,
            )
        },
        "/api/shipments/{shipment_id}/cancel": {
            "post": op(
                "Cancel one's own shipment (stock back, that part refunded)",
                TAG,
                body="ShipmentCancel",
                ok=(200, "SellerShipment"),
                errors=(404, 409),
                params=shipment,
            )
        },
        "/api/orders/{order_id}/shipments/{shipment_id}/received": {
            "post": op(
                "Confirm a shipment was received",
                TAG,
                ok=(200, "Order"),
                errors=(404, 409),
                params=order_shipment,
            )
        },
        "/api/orders/{order_id}/shipments/{shipment_id}/review": {
            "post": op(
                "Review the seller of a delivered shipment",
                TAG,
                body="ReviewCreate",
                ok=(201, "Review"),
                errors=(404, 409),
                params=order_shipment,
            )
        },
        "/api/me/seller-settings": {
            "get": op("The caller's seller settings", TAG, ok=(200, "SellerSettings")),
            "put": op(
                "Change seller settings", TAG, body="SellerSettings", ok=(200, "SellerSettings")
            ),
        },
        "/api/sellers/{seller_id}": {
            "get": op(
                "A seller's profile",
                TAG,
                ok=(200, "SellerProfile"),
                protected=False,
                errors=(404,),
                params=seller,
            )
        },
        "/api/sellers/{seller_id}/reviews": {
            "get": op(
                "A seller's reviews, newest first",
                TAG,
                ok=(200, "SellerReviewPage"),
                protected=False,
                errors=(404, 422),
                params=[*seller, *paging],
            )
        },
        "/api/me/balance": {"get": op("The caller's balance", TAG, ok=(200, "Balance"))},
        "/api/me/balance/entries": {
            "get": op(
                "The caller's ledger entries, newest first",
                TAG,
                ok=(200, "LedgerEntryPage"),
                errors=(422,),
                params=paging,
            )
        },
        "/api/me/payouts": {
            "post": op(
                "Pay out available money",
                TAG,
                body="PayoutCreate",
                ok=(201, "Payout"),
            )
        },
    }
