"""Unit tests of order_service's pure pieces: validation, the transition table, money, hashes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from order_service.checkout import request_fingerprint
from order_service.events import money
from order_service.models import Order
from order_service.payments import Card, card_brand
from order_service.presenters import iso
from order_service.saga import TRANSITIONS, transition
from order_service.validation import parse_checkout
from shared.contract.orders import luhn_valid
from shared.domain import Invalid

TODAY = datetime(2026, 11, 26, tzinfo=UTC)
BOOK = "0b6f1c2e-9d7a-4c1e-8f3a-2b5d6e7f8a9b"


def body(**overrides: object) -> dict:
    base: dict = {
        "items": [{"book_id": BOOK, "quantity": 2}],
        "shipping_address": {
            "name": "Ada Reader",
            "line1": "1 Library Lane",
            "city": "Lyon",
            "postal_code": "69001",
            "country": "fr",
        },
        "payment": {
            "card_number": "4242 4242 4242 4242",
            "exp_month": 12,
            "exp_year": 2030,
            "cvc": "123",
            "holder": "Ada Reader",
        },
    }
    base.update(overrides)
    return base


def errors_of(payload: dict) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        parse_checkout(payload, today=TODAY)
    return caught.value.fields or {}


def test_a_valid_checkout_is_parsed_with_a_normalised_country_and_card() -> None:
    checkout = parse_checkout(body(), today=TODAY)
    assert checkout.address["country"] == "FR"
    assert checkout.card.number == "4242424242424242"
    assert checkout.lines[0].quantity == 2 and not checkout.from_cart


def test_the_card_number_never_appears_in_a_cards_repr() -> None:
    card = parse_checkout(body(), today=TODAY).card
    assert "4242424242424242" not in repr(card) and "123" not in repr(card)
    assert (card.brand, card.last4) == ("visa", "4242")


@pytest.mark.parametrize(
    ("number", "valid"),
    [("4242424242424242", True), ("4000000000000002", True), ("4242424242424241", False)],
)
def test_luhn_check_accepts_test_cards_and_refuses_a_typo(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


def test_every_bad_field_is_reported_at_once() -> None:
    fields = errors_of(
        body(
            shipping_address={
                "name": "",
                "line1": "x",
                "city": "y",
                "postal_code": "1",
                "country": "XX",
            },
            payment={
                "card_number": "4242424242424241",
                "exp_month": 13,
                "exp_year": 2030,
                "cvc": "12",
                "holder": "",
            },
        )
    )
    assert set(fields) >= {
        "shipping_address.name",
        "shipping_address.country",
        "payment.card_number",
        "payment.exp_month",
        "payment.cvc",
        "payment.holder",
    }


def test_an_expired_card_is_refused_but_this_month_is_still_valid() -> None:
    payment = dict(body()["payment"], exp_month=10, exp_year=2026)
    assert errors_of(body(payment=payment)) == {"payment.exp_year": "the card has expired"}
    still = dict(payment, exp_month=11)
    assert parse_checkout(body(payment=still), today=TODAY).card.exp_year == 2026


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([{"book_id": BOOK, "quantity": 0}], "items[0].quantity"),
        ([{"book_id": BOOK, "quantity": 100}], "items[0].quantity"),
        ([{"book_id": "nope", "quantity": 1}], "items[0].book_id"),
        ([{"book_id": BOOK}, {"book_id": BOOK}], "items"),
    ],
)
def test_bad_items_are_refused_per_field(items: list, field: str) -> None:
    assert field in errors_of(body(items=items))


def test_from_cart_and_items_together_are_refused() -> None:
    assert "items" in errors_of(body(from_cart=True))


def test_the_transition_table_only_lets_an_order_forward() -> None:
    order = Order(id="o1", status="pending", timeline=[])
    assert transition(order, "reserved", cause="e1")
    assert not transition(order, "reserved", cause="e1")  # a redelivery changes nothing
    assert not transition(order, "delivered")
    assert transition(order, "paid")
    assert [entry.status for entry in order.timeline] == ["reserved", "paid"]
    assert TRANSITIONS["shipped"] == {"delivered"} and not TRANSITIONS["cancelled"]


def test_an_order_can_be_cancelled_until_it_ships() -> None:
    cancellable = {status for status, nexts in TRANSITIONS.items() if "cancelled" in nexts}
    assert cancellable == {"pending", "reserved", "paid"}


def test_money_is_a_string_with_two_decimals() -> None:
    assert money(Decimal("12.5")) == "12.50" and money(Decimal("3")) == "3.00"


def test_times_are_utc_with_a_z() -> None:
    assert iso(datetime(2026, 11, 26, 1, 2, 3, 456789)) == "2026-11-26T01:02:03.456Z"


def test_the_idempotency_fingerprint_ignores_the_full_card_number_but_not_the_body() -> None:
    first = request_fingerprint(body())
    assert first == request_fingerprint(body())
    assert first != request_fingerprint(body(items=[{"book_id": BOOK, "quantity": 3}]))
    assert "4242424242424242" not in repr(first)


def test_card_brands_are_recognised_from_the_prefix() -> None:
    assert card_brand("5555555555554444") == "mastercard"
    assert card_brand("378282246310005") == "amex"
    assert Card("6011111111111117", 1, 2030, "123", "X").brand == "discover"


def test_the_read_model_upsert_assigns_the_version_last_so_every_field_sees_the_old_one() -> None:
    from sqlalchemy.dialects import mysql

    from order_service.readmodel import FIELDS, _upsert

    class Recorder:
        statement: object = None

        def execute(self, statement: object) -> None:
            self.statement = statement

    recorder = Recorder()
    _upsert(recorder, {"book_id": "b", "version": 2}, FIELDS)  # type: ignore[arg-type]
    sql = str(recorder.statement.compile(dialect=mysql.dialect()))  # type: ignore[attr-defined]
    assignments = sql.split("ON DUPLICATE KEY UPDATE", 1)[1]
    assert assignments.rstrip().endswith("IF(VALUES(version) > version, VALUES(version), version)")
    assert assignments.count("VALUES(version) > version") == len(FIELDS) + 2


class FakeProvider:
    """A provider whose capture already went through (its commit on our side was lost)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def void(self, *, authorization_id: str) -> None:
        from order_service.payments import AlreadyCaptured

        self.calls.append("void")
        raise AlreadyCaptured("pay_1")

    def refund(self, *, payment_id: str, amount: Decimal) -> None:
        self.calls.append(f"refund {payment_id} {amount}")


def test_releasing_a_payment_refunds_when_the_void_finds_it_captured() -> None:
    from order_service.payments import release_payment

    provider = FakeProvider()
    status = release_payment(
        provider,  # type: ignore[arg-type]
        authorization_id="auth_1",
        payment_id=None,
        amount=Decimal("9.00"),
    )
    assert status == "refunded" and provider.calls == ["void", "refund pay_1 9.00"]


def cart_line(book: object, quantity: int = 2, seen_price: str = "10.00") -> tuple:
    from order_service.cart import _line
    from order_service.models import CartItem

    notices: list[str] = []
    item = CartItem(book_id="b1", quantity=quantity, unit_price=Decimal(seen_price))
    return _line(item, book, notices), notices  # type: ignore[arg-type]


def a_book(**overrides: object) -> object:
    from order_service.models import Book

    fields = {"book_id": "b1", "title": "Emma", "price": Decimal("10.00"), "stock": 5}
    return Book(**{**fields, "deleted": False, **overrides})


def test_a_cart_line_at_the_price_seen_and_in_stock_has_no_notice() -> None:
    line, notices = cart_line(a_book())
    assert line.available and line.subtotal == Decimal("20.00") and notices == []


def test_a_repriced_cart_line_keeps_the_old_price_for_the_notice() -> None:
    line, notices = cart_line(a_book(price=Decimal("12.00")))
    assert line.unit_price == Decimal("12.00") and line.previous_unit_price == Decimal("10.00")
    assert notices == ["The price of “Emma” changed from 10.00 to 12.00."]


def test_a_cart_line_beyond_the_stock_is_unavailable_and_says_how_many_are_left() -> None:
    line, notices = cart_line(a_book(stock=1))
    assert not line.available and "Only 1 left" in notices[0]
    line, notices = cart_line(a_book(stock=0))
    assert not line.available and notices == ["“Emma” is sold out."]


def test_a_deleted_or_unknown_book_is_an_unavailable_cart_line() -> None:
    for book in (None, a_book(deleted=True)):
        line, notices = cart_line(book)
        assert not line.available and len(notices) == 1


def test_a_rejection_reason_names_the_books_and_the_counts() -> None:
    from order_service.consumers import _rejection
    from order_service.models import OrderItem
    from shared.events import new_event

    order = Order(id="o1", items=[OrderItem(book_id="b1", title="Emma", quantity=2)])
    data = {
        "order_id": "o1",
        "reason": "insufficient_stock",
        "items": [{"book_id": "b1", "requested": 2, "available": 1}],
    }
    event = new_event("stock.rejected", data, producer="catalog_service")
    assert _rejection(order, event) == "insufficient stock: “Emma”: 2 requested, 1 available"


def test_the_saga_moves_orders_through_exactly_the_contracts_statuses() -> None:
    from order_service.saga import STATUSES, TRANSITIONS
    from shared.contract.orders import ORDER_STATUSES

    assert set(STATUSES) == set(ORDER_STATUSES)
    assert all(set(targets) <= set(ORDER_STATUSES) for targets in TRANSITIONS.values())
