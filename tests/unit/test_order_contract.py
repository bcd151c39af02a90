"""The order, cart and fulfilment bodies of shared/contract publish exactly what they accept:
values drawn from the published patterns are parsed, and what the document refuses is refused
(the API fuzzing holds the services to both directions)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from api_gateway.openapi import document
from shared.contract import fulfilment, orders
from shared.contract.model import Body, parse
from shared.countries import ISO_COUNTRIES
from shared.domain import Invalid

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None)
BOOK = "0b6f1c2e-9d7a-4c1e-8f3a-2b5d6e7f8a9b"
ADDRESS = {
    "name": "Ada Reader",
    "line1": "1 Library Lane",
    "city": "Lyon",
    "postal_code": "69001",
    "country": "FR",
}
PAYMENT = {
    "card_number": "4242 4242 4242 4242",
    "exp_month": 12,
    "exp_year": 2030,
    "cvc": "123",
    "holder": "Ada Reader",
}


def published(model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema as the gateway's document publishes it."""
    return document()["components"]["schemas"][model.__name__]  # type: ignore[no-any-return]


@cache
def validator(model: type[BaseModel]) -> Any:
    """A validator of the published schema, its references resolved within the document."""
    doc = document()
    ref = {"$ref": f"#/components/schemas/{model.__name__}", "components": doc["components"]}
    return jsonschema_rs.validator_for(ref)


def pattern(model: type[BaseModel], field: str) -> str:
    schema = published(model)["properties"][field]
    schema = schema["anyOf"][0] if "anyOf" in schema else schema
    return str(schema["pattern"])


def accepted(model: type[Body], payload: dict[str, Any]) -> bool:
    try:
        parse(model, payload)
    except Invalid:
        return False
    return True


def luhn_fixed(number: str) -> str:
    digits = re.sub(r"[ -]", "", number)
    for last in "0123456789":
        if orders.luhn_valid(digits[:-1] + last):
            position = max(i for i, c in enumerate(number) if c.isdigit())
            return number[:position] + last + number[position + 1 :]
    raise AssertionError(number)


@FAST
@given(st.data())
def test_every_documented_address_is_one_the_contract_accepts(data: st.DataObject) -> None:
    address = {
        name: data.draw(st.from_regex(pattern(orders.ShippingAddress, name), fullmatch=True))
        for name in ("name", "line1", "line2", "city", "postal_code", "country")
    }
    assert validator(orders.ShippingAddress).is_valid(address)
    parsed = parse(orders.ShippingAddress, address)
    assert parsed.country in ISO_COUNTRIES and parsed.city == address["city"].strip()


def test_every_country_order_service_knows_is_documented_in_any_letter_case() -> None:
    country = re.compile(pattern(orders.ShippingAddress, "country"))
    for code in ISO_COUNTRIES:
        assert country.fullmatch(code) and country.fullmatch(f" {code.lower()} ")
    for wrong in ("ZZ", "F", "FRA", "uſ", ""):
        assert not country.fullmatch(wrong)
        assert not accepted(orders.ShippingAddress, {**ADDRESS, "country": wrong})


@pytest.mark.parametrize("blank", ["\x85", "\x1c\x1f", " \t\u3000 ", ""])
def test_blank_or_overlong_address_text_is_refused_by_the_schema_and_the_contract(
    blank: str,
) -> None:
    for value in (blank, "x" * 101):
        body = {**ADDRESS, "city": value}
        assert not validator(orders.ShippingAddress).is_valid(body)
        assert not accepted(orders.ShippingAddress, body)
    assert accepted(orders.ShippingAddress, {**ADDRESS, "city": "  " + "x" * 100 + "  "})


@FAST
@given(st.data())
def test_every_documented_card_is_accepted_once_its_check_digit_is_right(
    data: st.DataObject,
) -> None:
    payment = {
        "card_number": luhn_fixed(
            data.draw(st.from_regex(pattern(orders.Payment, "card_number"), fullmatch=True))
        ),
        "exp_month": data.draw(st.integers(1, 12)),
        "exp_year": data.draw(st.sampled_from([30, 99, 2100, 2031])),
        "cvc": data.draw(st.from_regex(pattern(orders.Payment, "cvc"), fullmatch=True)),
        "holder": data.draw(
            st.from_regex(pattern(orders.Payment, "holder")).filter(lambda h: len(h) <= 100)
        ),
    }
    assert validator(orders.Payment).is_valid(payment)
    card = parse(orders.Payment, payment)
    assert card.card_number.isdigit() and card.exp_year >= 2030


@pytest.mark.parametrize(
    "field,value",
    [
        ("card_number", "4242 4242 4242 4241"),  # a typo: the check digit is wrong
        ("card_number", "٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢"),  # digits, but not ASCII ones
        ("exp_year", 2001 - 2000 + 100),
        ("exp_year", True),
        ("exp_month", 13),
        ("cvc", "12"),
        ("cvc", 123),
        ("holder", " \x85 "),
        ("holder", "x" * 101),
    ],
)
def test_a_bad_payment_field_is_named_with_its_prefix(field: str, value: object) -> None:
    with pytest.raises(Invalid) as caught:
        parse(orders.OrderCreate, _order(payment={**PAYMENT, field: value}))
    assert set(caught.value.fields or {}) == {f"payment.{field}"}


def test_the_card_number_and_cvc_stay_out_of_the_models_repr() -> None:
    shown = repr(parse(orders.Payment, PAYMENT))
    assert "4242" not in shown and "123" not in shown


def _order(**overrides: object) -> dict[str, Any]:
    base: dict[str, Any] = {
        "items": [{"book_id": BOOK, "quantity": 2}],
        "shipping_address": ADDRESS,
        "payment": PAYMENT,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


@pytest.mark.parametrize(
    "body,valid",
    [
        (_order(), True),
        (_order(from_cart=False), True),
        (_order(items=..., from_cart=True), True),
        (_order(from_cart=True), False),
        (_order(items=...), False),
        (_order(items=..., from_cart=False), False),
        (_order(items=[]), False),
        (_order(items=[{"book_id": BOOK}] * 2), False),
        (_order(items=[{"book_id": BOOK, "quantity": 1}] * 51), False),
        (_order(items=[{"book_id": "nope"}]), False),
        (_order(items=[{"book_id": BOOK, "quantity": "2"}]), False),
        (_order(items=[{"book_id": BOOK, "quantity": 100}]), False),
        (_order(items=[{"book_id": BOOK, "price": "1.00"}]), False),
        (_order(coupon="x"), False),
    ],
)
def test_an_order_names_either_items_or_the_cart_in_the_schema_and_the_contract(
    body: dict[str, Any], valid: bool
) -> None:
    assert accepted(orders.OrderCreate, body) is valid
    duplicates = body.get("items") == [{"book_id": BOOK}] * 2  # no JSON Schema says "once"
    assert validator(orders.OrderCreate).is_valid(body) is (valid or duplicates)


@pytest.mark.parametrize(
    "items,field",
    [
        ([], "items"),
        ([{"book_id": BOOK, "quantity": 0}], "items[0].quantity"),
        ([{"book_id": BOOK}, {"book_id": BOOK, "quantity": 100}], "items[1].quantity"),
        ([{"book_id": "nope", "quantity": 1}], "items[0].book_id"),
        ([{"book_id": BOOK, "x": 1}], "items[0].x"),
        ([{"book_id": BOOK}, {"book_id": BOOK.upper()}], "items"),
    ],
)
def test_bad_items_are_named_as_the_api_names_them(items: list[Any], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse(orders.OrderCreate, _order(items=items))
    assert field in (caught.value.fields or {})


def test_book_ids_are_lower_cased_and_a_quantity_defaults_to_one() -> None:
    form = parse(orders.OrderCreate, _order(items=[{"book_id": BOOK.upper()}]))
    assert (form.items[0].book_id, form.items[0].quantity) == (BOOK, 1)


@pytest.mark.parametrize("quantity", [0, 100, "2", True, None])
def test_a_cart_quantity_is_a_whole_number_from_1_to_99(quantity: object) -> None:
    assert not accepted(orders.CartQuantity, {"quantity": quantity})
    assert not validator(orders.CartQuantity).is_valid({"quantity": quantity})
    assert accepted(orders.CartQuantity, {"quantity": 99})


def test_a_whole_number_written_as_a_decimal_is_a_whole_number() -> None:
    """JSON Schema counts 2.0 as an integer (and the fuzzing sends it): so does the contract."""
    assert parse(orders.CartQuantity, {"quantity": 2.0}).quantity == 2
    assert parse(fulfilment.ReviewCreate, {"rating": 4.0}).rating == 4
    payment = parse(orders.Payment, {**PAYMENT, "exp_month": 7.0, "exp_year": 31.0})
    assert (payment.exp_month, payment.exp_year) == (7, 2031)
    assert not accepted(orders.CartQuantity, {"quantity": 2.5})


@FAST
@given(st.data())
def test_every_documented_shipment_text_is_accepted(data: st.DataObject) -> None:
    ship = {
        name: data.draw(st.from_regex(pattern(fulfilment.ShipmentShip, name), fullmatch=True))
        for name in ("carrier", "tracking_number")
    }
    assert parse(fulfilment.ShipmentShip, ship).carrier == ship["carrier"].strip()
    reason = data.draw(st.from_regex(pattern(fulfilment.ShipmentCancel, "reason"), fullmatch=True))
    assert parse(fulfilment.ShipmentCancel, {"reason": reason}).reason == reason.strip()
    comment = data.draw(st.from_regex(pattern(fulfilment.ReviewCreate, "comment"), fullmatch=True))
    assert parse(fulfilment.ReviewCreate, {"rating": 5, "comment": comment}).comment in (
        comment.strip(),
        None,
    )


@pytest.mark.parametrize(
    "model,body",
    [
        (fulfilment.ShipmentShip, {"carrier": "", "tracking_number": "abcd"}),
        (fulfilment.ShipmentShip, {"carrier": "x" * 41, "tracking_number": "abcd"}),
        (fulfilment.ShipmentShip, {"carrier": "UPS", "tracking_number": " abc "}),
        (fulfilment.ShipmentShip, {"carrier": "UPS", "tracking_number": "AB\x00CD"}),
        (fulfilment.ShipmentCancel, {"reason": "  "}),
        (fulfilment.ShipmentCancel, {"reason": 3}),
        (fulfilment.ReviewCreate, {"rating": 3, "comment": "x" * 1001}),
        (fulfilment.ReviewCreate, {"rating": 3, "comment": "a\x00b"}),
        (fulfilment.ReviewCreate, {"rating": 6}),
        (fulfilment.SellerSettingsUpdate, {"auto_ship": "true"}),
        (fulfilment.PayoutCreate, {"amount": "0.00"}),
        (fulfilment.PayoutCreate, {"amount": " 5"}),
        (fulfilment.PayoutCreate, {"amount": 0.001}),
        (fulfilment.PayoutCreate, {"amount": True}),
    ],
)
def test_what_the_schema_refuses_the_contract_refuses(
    model: type[Body], body: dict[str, Any]
) -> None:
    assert not validator(model).is_valid(body)
    assert not accepted(model, body)


def test_a_comment_padded_beyond_the_limit_is_judged_once_trimmed() -> None:
    comment = "  " + "x" * 1000 + "\n"
    assert validator(fulfilment.ReviewCreate).is_valid({"rating": 4, "comment": comment})
    assert parse(fulfilment.ReviewCreate, {"rating": 4, "comment": comment}).comment == "x" * 1000
    assert parse(fulfilment.ReviewCreate, {"rating": 4, "comment": " \n"}).comment is None


@FAST
@given(st.from_regex(fulfilment.PAYOUT_AMOUNT_PATTERN, fullmatch=True))
def test_every_documented_payout_amount_is_accepted(amount: str) -> None:
    assert validator(fulfilment.PayoutCreate).is_valid({"amount": amount})
    assert parse(fulfilment.PayoutCreate, {"amount": amount}).amount == __import__(
        "decimal"
    ).Decimal(amount)


def test_the_shipment_filter_offers_every_status_and_blank() -> None:
    operation = document()["paths"]["/api/me/shipments"]["get"]
    status = next(p for p in operation["parameters"] if p["name"] == "status")
    assert status["schema"]["enum"] == ["", *fulfilment.SHIPMENT_STATUSES]
