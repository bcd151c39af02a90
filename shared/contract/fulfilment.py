"""Seller fulfilment, review and balance rules and bodies (docs/api.md, Seller fulfilment), and
the shipment an order embeds; seller profiles are served by catalog_service, documented here."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from shared.contract.model import Body, Resource, rule, whole
from shared.contract.operations import Operation
from shared.contract.paging import Page, PageQuery
from shared.contract.patterns import MONEY, SPACE, TIME, UUID, line, nullable

# A shipment's life: awaiting_shipment -> shipped -> delivered, or awaiting_shipment -> cancelled.
SHIPMENT_STATUSES: tuple[str, ...] = ("awaiting_shipment", "shipped", "delivered", "cancelled")
CARRIER_MIN, CARRIER_MAX = 1, 40
TRACKING_MIN, TRACKING_MAX = 4, 40
CANCEL_REASON_MIN, CANCEL_REASON_MAX = 1, 300
RATING_MIN, RATING_MAX = 1, 5
REVIEW_COMMENT_MAX = 1000
LEDGER_KINDS: tuple[str, ...] = ("sale", "commission", "refund", "payout")
# A payout amount written as a string: positive, at most two decimals, no leading zeros or spaces.
PAYOUT_AMOUNT_PATTERN = r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,8}(\.[0-9]{1,2})?)$"
PAYOUT_AMOUNT_MAX = "999999999.99"
# Local defaults of the settings (README configuration table).
SHIP_BY_SECONDS_DEFAULT = 259200  # three days
COMMISSION_PERCENT_DEFAULT = 10
PAYOUT_HOLD_SECONDS_DEFAULT = 0

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tabs and line breaks allowed
_PAYOUT = re.compile(PAYOUT_AMOUNT_PATTERN)
_EDGE = r"[^\s\x00-\x1f\x7f\x85]"  # neither whitespace nor a control character


def _one_line(low: int, high: int) -> Any:
    """Text of `low` to `high` characters once stripped, without control characters."""

    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        value = value.strip()
        if _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        if not low <= len(value) <= high:
            raise ValueError(f"must be {low} to {high} characters")
        return value

    return check


def _comment(value: Any) -> str | None:
    """Up to REVIEW_COMMENT_MAX characters once stripped; tabs and line breaks allowed; blank
    is no comment."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string")
    value = value.strip()
    if _CONTROL_IN_TEXT.search(value):
        raise ValueError("must not contain control characters")
    if len(value) > REVIEW_COMMENT_MAX:
        raise ValueError(f"must be 0 to {REVIEW_COMMENT_MAX} characters")
    return value or None


def _amount(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError('must be a decimal number, e.g. "12.50"')
    text = value if isinstance(value, str) else repr(value)  # 5 -> "5", 5.5 -> "5.5"
    if not _PAYOUT.fullmatch(text):
        raise ValueError('must be a positive amount with at most two decimals, e.g. "12.50"')
    return Decimal(text)


# 4 to 40 characters once stripped, no control characters.
_TRACKING = {
    "type": "string",
    "pattern": rf"^{SPACE}*{_EDGE}[^\x00-\x1f\x7f]{{{TRACKING_MIN - 2},{TRACKING_MAX - 2}}}"
    rf"{_EDGE}{SPACE}*$",
}
# At most 1000 characters once stripped, no control characters but tabs and line breaks.
_COMMENT = {
    "type": "string",
    "pattern": (
        rf"^{SPACE}*({_EDGE}([^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]{{0,{REVIEW_COMMENT_MAX - 2}}}"
        rf"{_EDGE})?)?{SPACE}*$"
    ),
}
_PAYOUT_AMOUNT = {
    "oneOf": [
        {"type": "string", "pattern": PAYOUT_AMOUNT_PATTERN},
        {
            "type": "number",
            "minimum": 0.01,
            "maximum": float(PAYOUT_AMOUNT_MAX),
            "multipleOf": 0.01,
        },
    ],
    "description": "Positive, at most two decimals; none pays out all of the available balance",
}

Money = Annotated[str, Field(json_schema_extra=MONEY)]
Id = Annotated[str, Field(json_schema_extra=UUID)]
Time = Annotated[str, Field(json_schema_extra=TIME)]
ShipmentStatus = Annotated[str, Field(json_schema_extra={"enum": list(SHIPMENT_STATUSES)})]


class ShipmentShip(Body):
    carrier: Annotated[str, rule(_one_line(CARRIER_MIN, CARRIER_MAX), line(CARRIER_MAX))]
    tracking_number: Annotated[str, rule(_one_line(TRACKING_MIN, TRACKING_MAX), _TRACKING)]


class ShipmentCancel(Body):
    """What the buyer reads."""

    reason: Annotated[
        str, rule(_one_line(CANCEL_REASON_MIN, CANCEL_REASON_MAX), line(CANCEL_REASON_MAX))
    ]


class ReviewCreate(Body):
    rating: Annotated[int, whole(RATING_MIN, RATING_MAX)]
    comment: Annotated[str | None, rule(_comment, nullable(_COMMENT))] = None


class SellerSettingsUpdate(Body):
    auto_ship: bool


class PayoutCreate(Body):
    amount: Annotated[Decimal | None, rule(_amount, nullable(_PAYOUT_AMOUNT))] = None


class ShipmentFilter(PageQuery):
    """Blank means every status, as for the catalogue's filters."""

    status: Annotated[str, Field(json_schema_extra={"enum": ["", *SHIPMENT_STATUSES]})] = ""


# Answers, as order_service's presenters (and catalog_service's seller views) write them.


class Address(Resource):
    """A shipping address as checkout stored it (trimmed, the country upper-cased)."""

    name: str
    line1: str
    line2: str | None = None
    city: str
    postal_code: str
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class ShipmentItem(Resource):
    book_id: Id
    title: str
    quantity: Annotated[int, Field(ge=1)]
    subtotal: Money


class ShipmentSummary(Resource):
    """An order's `shipment` before orders had shipments."""

    carrier: str | None
    tracking_number: str | None
    shipped_at: Time | None
    delivered_at: Time | None


class Shipment(Resource):
    """One seller's part of a paid order."""

    id: Id
    order_id: Id
    seller_id: Id
    seller_name: str
    items: list[ShipmentItem]
    subtotal: Money
    status: ShipmentStatus
    carrier: str | None
    tracking_number: str | None
    ship_by: Time
    shipped_at: Time | None
    delivered_at: Time | None
    cancelled_reason: str | None


class SellerShipment(Shipment):
    """A shipment as its seller sees it, to send it."""

    buyer_name: str
    shipping_address: Address


class SellerShipmentPage(Page):
    items: list[SellerShipment]


class Review(Resource):
    id: Id
    seller_id: Id
    rating: Annotated[int, Field(ge=RATING_MIN, le=RATING_MAX)]
    comment: str | None
    created_at: Time


class SellerSettings(Resource):
    auto_ship: bool


class RatingSummary(Resource):
    average: Annotated[float, Field(ge=RATING_MIN, le=RATING_MAX)] | None  # null: no review yet
    count: Annotated[int, Field(ge=0)]


class SellerReview(Resource):
    rating: Annotated[int, Field(ge=RATING_MIN, le=RATING_MAX)]
    comment: str | None
    buyer_name: str
    created_at: Time


class SellerReviewPage(Page):
    items: list[SellerReview]


class SellerProfile(Resource):
    id: Id
    name: str
    member_since: Time | None
    rating: RatingSummary
    sales_count: Annotated[int, Field(ge=0)]  # delivered shipments
    listings_count: Annotated[int, Field(ge=0)]
    recent_reviews: list[SellerReview]


class Balance(Resource):
    pending: Money
    available: Money
    paid_out: Money
    currency: Literal["USD"]
    commission_percent: float


class LedgerEntry(Resource):
    """Signed: `sale` positive, the others negative."""

    kind: Annotated[str, Field(json_schema_extra={"enum": list(LEDGER_KINDS)})]
    amount: Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$")]
    order_id: Id | None
    shipment_id: Id | None
    at: Time


class LedgerEntryPage(Page):
    items: list[LedgerEntry]


class Payout(Resource):
    id: Id
    amount: Money
    status: Literal["sent"]
    created_at: Time


TAG = "fulfilment"
OPERATIONS = (
    Operation(
        "GET",
        "/api/me/shipments",
        "The caller's shipments to send, oldest ship-by first",
        TAG,
        query=ShipmentFilter,
        response=SellerShipmentPage,
        errors=(422,),
    ),
    Operation(
        "POST",
        "/api/shipments/{shipment_id}/ship",
        "Ship one's own shipment",
        TAG,
        body=ShipmentShip,
        response=SellerShipment,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        "/api/shipments/{shipment_id}/cancel",
        "Cancel one's own shipment (stock back, that part refunded)",
        TAG,
        body=ShipmentCancel,
        response=SellerShipment,
        errors=(404, 409),
    ),
    Operation(
        "POST",
        "/api/orders/{order_id}/shipments/{shipment_id}/review",
        "Review the seller of a delivered shipment",
        TAG,
        ok=201,
        body=ReviewCreate,
        response=Review,
        errors=(404, 409),
    ),
    Operation(
        "GET",
        "/api/me/seller-settings",
        "The caller's seller settings",
        TAG,
        response=SellerSettings,
    ),
    Operation(
        "PUT",
        "/api/me/seller-settings",
        "Change seller settings",
        TAG,
        body=SellerSettingsUpdate,
        response=SellerSettings,
    ),
    Operation(
        "GET",
        "/api/sellers/{seller_id}",
        "A seller's profile",
        TAG,
        response=SellerProfile,
        errors=(404,),
    ),
    Operation(
        "GET",
        "/api/sellers/{seller_id}/reviews",
        "A seller's reviews, newest first",
        TAG,
        query=PageQuery,
        response=SellerReviewPage,
        errors=(404, 422),
    ),
    Operation("GET", "/api/me/balance", "The caller's balance", TAG, response=Balance),
    Operation(
        "GET",
        "/api/me/balance/entries",
        "The caller's ledger entries, newest first",
        TAG,
        query=PageQuery,
        response=LedgerEntryPage,
        errors=(422,),
    ),
    Operation(
        "POST",
        "/api/me/payouts",
        "Pay out available money (no amount: all of it)",
        TAG,
        ok=201,
        body=PayoutCreate,
        response=Payout,
    ),
)
