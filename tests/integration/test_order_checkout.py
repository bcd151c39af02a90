"""Checkout with real processes: payment authorization, idempotency keys, card data kept out.

The catalogue is the scripted stand-in of tests/support/order_harness.py (its contract only).
"""

from __future__ import annotations

import time

import requests

from tests.support.order_harness import (
    DECLINED_CARD,
    OrderStack,
)
from tests.support.race import race


def test_a_card_declined_at_authorization_is_a_402_and_keeps_no_order(
    order_stack: OrderStack,
) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller)
    _, buyer = order_stack.user()
    refused = order_stack.order(buyer, card=DECLINED_CARD, items=[{"book_id": book, "quantity": 1}])
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "payment_declined"
    listed = requests.get(f"{order_stack.api}/api/orders", headers=buyer, timeout=5).json()
    assert listed["total"] == 0


def test_the_same_idempotency_key_returns_the_same_order_even_when_requests_race(
    order_stack: OrderStack,
) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, stock=10)
    buyer_id, buyer = order_stack.user()
    key = f"checkout-{time.time_ns()}"
    items = [{"book_id": book, "quantity": 1}]
    results = race([lambda: order_stack.order(buyer, key=key, items=items)] * 6)
    assert [r.status_code for r in results] == [202] * 6, [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    again = order_stack.order(buyer, key=key, items=items)
    assert again.status_code == 202 and again.json()["id"] == results[0].json()["id"]
    other = order_stack.order(buyer, key=key, items=[{"book_id": book, "quantity": 2}])
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]["fields"]
    count = order_stack.scalar("SELECT COUNT(*) FROM orders WHERE buyer_id = %s", buyer_id)
    assert count == 1
    # The winner's capture happens in the saga, asynchronously: let it get there first.
    order_stack.wait_status(buyer, results[0].json()["id"], "paid", "shipped", "delivered")
    authorized = order_stack.scalar(
        "SELECT COUNT(*) FROM simulated_payments WHERE status = 'authorized' AND reference IN "
        "(SELECT id FROM orders WHERE buyer_id = %s)",
        buyer_id,
    )
    assert authorized == 0  # the one order was captured; losers' authorizations were voided


def test_idempotency_keys_that_differ_only_in_case_or_padding_are_different_keys(
    order_stack: OrderStack,
) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, stock=10)
    buyer_id, buyer = order_stack.user()
    key = f"Key-{time.time_ns()}"
    items = [{"book_id": book, "quantity": 1}]
    ids = {order_stack.order(buyer, key=k, items=items).json()["id"] for k in (key, key.lower())}
    assert len(ids) == 2  # utf8mb4_unicode_ci took them for one key and returned one order
    count = order_stack.scalar("SELECT COUNT(*) FROM orders WHERE buyer_id = %s", buyer_id)
    assert count == 2


def test_the_simulated_provider_captures_once_and_refunds_a_capture_a_void_arrives_after(
    order_stack: OrderStack,
) -> None:
    from decimal import Decimal

    from order_service.payments import Card, SimulatedProvider, release_payment

    provider = SimulatedProvider(order_stack.engine)
    card = Card("4242424242424242", 12, 2030, "123", "Ada")
    auth = provider.authorize(card=card, amount=Decimal("5.00"), currency="USD", reference="t1")
    first = provider.capture(authorization_id=auth.id, amount=Decimal("5.00"))
    assert provider.capture(authorization_id=auth.id, amount=Decimal("5.00")) == first
    status = release_payment(
        provider, authorization_id=auth.id, payment_id=None, amount=Decimal("5.00")
    )
    assert status == "refunded"
    row = order_stack.scalar(
        "SELECT CONCAT(status, ' ', captures, ' ', refunds) FROM simulated_payments WHERE id = %s",
        auth.id,
    )
    assert row == "refunded 1 1"
    stored = order_stack.scalar(
        "SELECT CONCAT(brand, last4) FROM simulated_payments WHERE id = %s", auth.id
    )
    assert stored == "visa4242"


def test_no_card_number_or_cvc_is_ever_stored_or_logged(order_stack: OrderStack) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller)
    _, buyer = order_stack.user()
    placed = order_stack.order(buyer, items=[{"book_id": book, "quantity": 1}])
    order_stack.wait_status(buyer, placed.json()["id"], "paid", "shipped", "delivered")
    order_stack.order(buyer, card=DECLINED_CARD, items=[{"book_id": book, "quantity": 1}])
    secrets = ("4242424242424242", "4000000000000002", "4000000000000341")
    with order_stack.engine.connect() as conn:
        tables = conn.exec_driver_sql("SHOW TABLES").scalars().all()
        for table in tables:
            for row in conn.exec_driver_sql(f"SELECT * FROM `{table}`").all():
                text = " ".join(str(value) for value in row)
                assert not any(secret in text for secret in secrets), table
    log_dir = order_stack.group.log_dir
    assert log_dir is not None
    logs = {log.name: log.read_text(errors="replace") for log in log_dir.glob("*.log")}
    # Every api and worker wrote its log, and the checkouts above are in it: an absence of card
    # numbers in logs that saw nothing would prove nothing.
    assert sorted(logs) == sorted(f"{name}.log" for name in order_stack.group.procs), logs.keys()
    assert placed.json()["id"] in "".join(logs.values())
    for name, content in logs.items():
        assert not any(secret in content for secret in secrets), name
