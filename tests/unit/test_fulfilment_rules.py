"""Pure rules of seller fulfilment: the order status shipments imply, the shipment transitions,
the commission, and the request bodies' validation (docs/api.md, Seller fulfilment)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from order_service.balance import commission, seller_net
from order_service.fulfilment_validation import parse_status
from order_service.saga import TRANSITIONS
from order_service.shipments import SHIPMENT_TRANSITIONS, derived_status
from shared.contract.fulfilment import (
    SHIPMENT_STATUSES,
    PayoutCreate,
    ReviewCreate,
    SellerSettingsUpdate,
    ShipmentCancel,
    ShipmentShip,
)
from shared.contract.model import parse
from shared.domain import Invalid
from shared.web.errors import ValidationError


@pytest.mark.parametrize(
    "statuses,implied",
    [
        (["awaiting_shipment"], None),
        (["shipped", "awaiting_shipment"], None),
        (["delivered", "awaiting_shipment"], None),
        (["shipped"], "shipped"),
        (["shipped", "delivered"], "shipped"),
        (["shipped", "cancelled"], "shipped"),
        (["delivered", "cancelled"], "delivered"),
        (["delivered", "delivered"], "delivered"),
        (["cancelled", "cancelled"], "cancelled"),
        (["cancelled"], "cancelled"),
    ],
)
def test_the_order_status_follows_its_shipments(statuses: list[str], implied: str | None) -> None:
    assert derived_status(statuses) == implied


def test_every_status_an_order_can_be_led_to_is_reachable_from_paid_by_the_saga_table() -> None:
    assert "shipped" in TRANSITIONS["paid"] and "cancelled" in TRANSITIONS["paid"]
    assert "delivered" in TRANSITIONS["shipped"]


def test_shipments_move_forward_only_and_never_leave_a_final_status() -> None:
    assert set(SHIPMENT_TRANSITIONS) == set(SHIPMENT_STATUSES)
    assert SHIPMENT_TRANSITIONS["awaiting_shipment"] == {"shipped", "cancelled"}
    assert SHIPMENT_TRANSITIONS["shipped"] == {"delivered"}  # a shipped one is never cancelled
    assert not SHIPMENT_TRANSITIONS["delivered"] and not SHIPMENT_TRANSITIONS["cancelled"]


@pytest.mark.parametrize(
    "subtotal,percent,cut",
    [
        ("25.00", "10", "2.50"),
        ("0.05", "10", "0.01"),  # half a cent rounds up
        ("0.04", "10", "0.00"),
        ("19.99", "12.5", "2.50"),
        ("100.00", "0", "0.00"),
    ],
)
def test_commission_is_a_percent_of_the_subtotal_rounded_half_up(
    subtotal: str, percent: str, cut: str
) -> None:
    assert commission(Decimal(subtotal), Decimal(percent)) == Decimal(cut)
    assert seller_net(Decimal(subtotal), Decimal(percent)) == Decimal(subtotal) - Decimal(cut)


def ship(body: dict) -> tuple[str, str]:
    form = parse(ShipmentShip, body)
    return form.carrier, form.tracking_number


def test_ship_needs_a_carrier_and_a_tracking_number_of_the_contracts_lengths() -> None:
    assert ship({"carrier": " DHL ", "tracking_number": "JD0001"}) == ("DHL", "JD0001")
    with pytest.raises(Invalid) as caught:
        ship({"carrier": "", "tracking_number": "abc"})
    assert set(caught.value.fields or {}) == {"carrier", "tracking_number"}
    with pytest.raises(Invalid):
        ship({"carrier": "x" * 41, "tracking_number": "ABCD"})
    with pytest.raises(Invalid):
        ship({"carrier": "UPS", "tracking_number": "AB\x00CD"})


def test_a_cancel_needs_a_reason() -> None:
    assert parse(ShipmentCancel, {"reason": " damaged "}).reason == "damaged"
    for body in ({}, {"reason": "  "}, {"reason": 3}):
        with pytest.raises(Invalid):
            parse(ShipmentCancel, body)


def test_a_review_is_one_to_five_stars_with_an_optional_comment() -> None:
    assert parse(ReviewCreate, {"rating": 5}).comment is None
    review = parse(ReviewCreate, {"rating": 1, "comment": "Torn\tcover\n"})
    assert (review.rating, review.comment) == (1, "Torn\tcover")
    for body in ({"rating": 0}, {"rating": 6}, {"rating": True}, {"rating": 4.5}, {}):
        with pytest.raises(Invalid):
            parse(ReviewCreate, body)
    with pytest.raises(Invalid):
        parse(ReviewCreate, {"rating": 3, "comment": "x" * 1001})


def test_settings_take_a_boolean_and_the_status_filter_a_known_status() -> None:
    assert parse(SellerSettingsUpdate, {"auto_ship": True}).auto_ship is True
    with pytest.raises(Invalid):
        parse(SellerSettingsUpdate, {"auto_ship": "true"})
    assert parse_status("") is None and parse_status("shipped") == "shipped"
    with pytest.raises(ValidationError):
        parse_status("lost")


def test_a_payout_amount_is_positive_with_two_decimals_or_absent() -> None:
    assert parse(PayoutCreate, {}).amount is None
    assert parse(PayoutCreate, {"amount": "12.50"}).amount == Decimal("12.50")
    assert parse(PayoutCreate, {"amount": 3}).amount == Decimal("3")
    assert parse(PayoutCreate, {"amount": "0.10"}).amount == Decimal("0.10")
    for amount in ("0", "-1", "1.234", "abc", True, "0.00", "01", " 5", "5\n", 0.001):
        with pytest.raises(Invalid):
            parse(PayoutCreate, {"amount": amount})
