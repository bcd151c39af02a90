"""The order saga with real processes (2 api + 2 worker), MariaDB and RabbitMQ.

The catalogue is the scripted stand-in of tests/support/order_harness.py (its contract only).
"""

from __future__ import annotations

import time

import requests

from shared.events import new_event
from tests.support.order_harness import (
    CAPTURE_FAILS,
    OrderStack,
)


def test_an_order_from_the_cart_goes_all_the_way_to_delivered(order_stack: OrderStack) -> None:
    seller, _ = order_stack.user("Seller")
    book = order_stack.list_book(seller, stock=4, price="12.50")
    _, buyer = order_stack.user("Buyer")
    put = requests.put(
        f"{order_stack.api}/api/cart/items/{book}", json={"quantity": 2}, headers=buyer, timeout=5
    )
    assert put.status_code == 200 and put.json()["total"] == "25.00"

    placed = order_stack.order(buyer, from_cart=True)
    assert placed.status_code == 202, placed.text
    order = placed.json()
    assert order["status"] == "pending" and order["total"] == "25.00"
    assert order["payment"] == {"brand": "visa", "last4": "4242", "status": "authorized"}
    cart = requests.get(f"{order_stack.api}/api/cart", headers=buyer, timeout=5).json()
    assert cart["items"] == [] and cart["total"] == "0.00"

    paid = order_stack.wait_status(buyer, order["id"], "paid", "shipped", "delivered", timeout=5)
    assert paid["payment"]["status"] == "captured"
    done = order_stack.wait_status(buyer, order["id"], "delivered", timeout=15)
    assert [s["status"] for s in done["timeline"]] == [
        "pending",
        "reserved",
        "paid",
        "shipped",
        "delivered",
    ]
    assert all(s["at"].endswith("Z") for s in done["timeline"])
    assert done["shipment"]["carrier"] and done["shipment"]["tracking_number"]
    assert done["shipment"]["delivered_at"] >= done["shipment"]["shipped_at"]
    for kind in ("order.placed", "order.paid", "order.shipped", "order.delivered"):
        assert len(order_stack.catalogue.events(kind, order["id"], wait_for=1)) == 1, kind
    sales = requests.get(
        f"{order_stack.api}/api/me/sales",
        headers={"Authorization": f"Bearer {order_stack.token(seller)}"},
        timeout=5,
    ).json()
    assert sales["total"] == 1 and sales["items"][0]["status"] == "delivered"
    assert sales["items"][0]["subtotal"] == "25.00"


def test_a_failed_capture_cancels_the_order_and_gives_the_stock_back(
    order_stack: OrderStack,
) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, stock=2)
    _, buyer = order_stack.user()
    placed = order_stack.order(buyer, card=CAPTURE_FAILS, items=[{"book_id": book, "quantity": 2}])
    assert placed.status_code == 202, placed.text
    order = order_stack.wait_status(buyer, placed.json()["id"], "cancelled")
    assert "capture failed" in order["timeline"][-1]["reason"]
    assert order["payment"]["status"] == "failed"
    (cancelled,) = order_stack.catalogue.events("order.cancelled", order["id"], wait_for=1)
    assert cancelled.data["stock_was_reserved"] is True
    assert not order_stack.catalogue.events("order.paid", order["id"])
    order_stack.wait_for_book(book, lambda row: row["stock"] == 2)  # released, read model fed


def test_rejected_stock_rejects_the_order_with_a_reason_and_voids_the_payment(
    order_stack: OrderStack,
) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, stock=1, title="Rare Book")
    with order_stack.catalogue.lock:
        order_stack.catalogue.books[book]["stock"] = 0  # sold meanwhile: the read model lags
    _, buyer = order_stack.user()
    placed = order_stack.order(buyer, items=[{"book_id": book, "quantity": 1}])
    assert placed.status_code == 202
    order = order_stack.wait_status(buyer, placed.json()["id"], "rejected")
    assert "Rare Book" in order["timeline"][-1]["reason"]
    assert order["payment"]["status"] == "voided"
    ledger = order_stack.scalar(
        "SELECT status FROM simulated_payments WHERE reference = %s", order["id"]
    )
    assert ledger == "voided"


def test_the_buyer_can_cancel_a_paid_order_and_is_refunded(order_stack: OrderStack) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, stock=3)
    _, buyer = order_stack.user()
    placed = order_stack.order(buyer, items=[{"book_id": book, "quantity": 3}]).json()
    order_stack.wait_status(buyer, placed["id"], "paid", timeout=5)
    cancel = requests.post(
        f"{order_stack.api}/api/orders/{placed['id']}/cancel", headers=buyer, timeout=5
    )
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "cancelled"
    assert cancel.json()["payment"]["status"] == "refunded"
    (event,) = order_stack.catalogue.events("order.cancelled", placed["id"], wait_for=1)
    assert event.data["stock_was_reserved"] is True
    order_stack.wait_for_book(book, lambda row: row["stock"] == 3)
    time.sleep(2.5)  # past the shipping delay: a cancelled order never ships
    after = order_stack.wait_status(buyer, placed["id"], "cancelled")
    assert [s["status"] for s in after["shipments"]] == ["cancelled"]
    assert after["shipment"]["shipped_at"] is None and after["shipment"]["carrier"] is None
    again = requests.post(
        f"{order_stack.api}/api/orders/{placed['id']}/cancel", headers=buyer, timeout=5
    )
    assert again.status_code == 409


def test_a_shipped_order_can_no_longer_be_cancelled(order_stack: OrderStack) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller)
    _, buyer = order_stack.user()
    placed = order_stack.order(buyer, items=[{"book_id": book, "quantity": 1}]).json()
    order_stack.wait_status(buyer, placed["id"], "shipped", "delivered", timeout=10)
    refused = requests.post(
        f"{order_stack.api}/api/orders/{placed['id']}/cancel", headers=buyer, timeout=5
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict"


def test_another_users_order_is_a_404(order_stack: OrderStack) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller)
    _, buyer = order_stack.user()
    placed = order_stack.order(buyer, items=[{"book_id": book, "quantity": 1}]).json()
    _, stranger = order_stack.user()
    for method, path in (("get", ""), ("post", "/cancel")):
        seen = requests.request(
            method,
            f"{order_stack.api}/api/orders/{placed['id']}{path}",
            headers=stranger,
            timeout=5,
        )
        assert seen.status_code == 404


def test_a_redelivered_or_repeated_stock_reserved_captures_once(order_stack: OrderStack) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller)
    _, buyer = order_stack.user()
    placed = order_stack.order(buyer, items=[{"book_id": book, "quantity": 1}]).json()
    order_stack.wait_status(buyer, placed["id"], "paid", "shipped", "delivered", timeout=5)
    (placed_event,) = order_stack.catalogue.events("order.placed", placed["id"])
    with order_stack.catalogue.lock:
        (original,) = [
            e
            for e in order_stack.catalogue.sent
            if e.type == "stock.reserved" and e.to_dict()["data"]["order_id"] == placed["id"]
        ]
    order_stack.publish(original)  # the very same message again (same id)
    # ...and a second, distinct stock.reserved for the same order (a confused producer).
    order_stack.publish(
        placed_event.caused(
            "stock.reserved", original.to_dict()["data"], producer="catalog_service"
        )
    )
    time.sleep(1.0)
    captures = order_stack.scalar(
        "SELECT captures FROM simulated_payments WHERE reference = %s", placed["id"]
    )
    assert captures == 1
    assert len(order_stack.catalogue.events("order.paid", placed["id"])) == 1
    order = order_stack.wait_status(buyer, placed["id"], "paid", "shipped", "delivered")
    assert [s["status"] for s in order["timeline"]].count("paid") == 1


def test_shipping_timers_survive_a_kill_of_every_worker(order_stack: OrderStack) -> None:
    import signal

    seller, _ = order_stack.user()
    book = order_stack.list_book(seller)
    _, buyer = order_stack.user()
    placed = order_stack.order(buyer, items=[{"book_id": book, "quantity": 1}]).json()
    order_stack.wait_status(buyer, placed["id"], "paid", timeout=5)
    for name in ("order-worker0", "order-worker1"):
        order_stack.group.signal(name, signal.SIGKILL)
        order_stack.group.procs[name].wait(10)
    time.sleep(2)  # the timer falls due while no worker runs
    assert order_stack.wait_status(buyer, placed["id"], "paid")["status"] == "paid"
    for name in ("order-worker0", "order-worker1"):
        order_stack.group.restart(name)
    order_stack.wait_status(buyer, placed["id"], "delivered", timeout=20)
    assert len(order_stack.catalogue.events("order.shipped", placed["id"], wait_for=1)) == 1


def test_a_stock_event_for_an_unknown_order_is_dead_lettered_not_retried_forever(
    order_stack: OrderStack,
) -> None:
    data = {"order_id": "no-such-order", "items": [{"book_id": "b", "quantity": 1}]}
    ghost = new_event("stock.reserved", data, producer="catalog_service")
    order_stack.publish(ghost)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _dead_letter_count(order_stack) >= 1:
            return
        time.sleep(0.2)
    raise AssertionError("the event never reached the dead-letter queue")


def _dead_letter_count(stack: OrderStack) -> int:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(stack.rabbitmq_url))
    try:
        result = connection.channel().queue_declare(
            queue=stack.topology.dead_queue("order"), passive=True
        )
        return int(result.method.message_count)
    finally:
        connection.close()


def test_a_cancel_racing_the_reservation_never_leaves_money_taken_or_stock_held(
    order_stack: OrderStack,
) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller, stock=5)
    _, buyer = order_stack.user()
    ids = []
    for _ in range(5):
        placed = order_stack.order(buyer, items=[{"book_id": book, "quantity": 1}]).json()
        cancel = requests.post(
            f"{order_stack.api}/api/orders/{placed['id']}/cancel", headers=buyer, timeout=5
        )
        assert cancel.status_code == 200, cancel.text
        ids.append(placed["id"])
    time.sleep(1.5)  # let every stock.reserved / order.cancelled settle
    for order_id in ids:
        order = order_stack.wait_status(buyer, order_id, "cancelled")
        assert order["payment"]["status"] in ("voided", "refunded")
        ledger = order_stack.scalar(
            "SELECT status FROM simulated_payments WHERE reference = %s", order_id
        )
        assert ledger in ("voided", "refunded")
    order_stack.wait_for_book(book, lambda row: row["stock"] == 5)


def test_an_order_the_catalogue_never_answers_is_cancelled_instead_of_stuck(
    order_stack: OrderStack,
) -> None:
    seller, _ = order_stack.user()
    book = order_stack.list_book(seller)
    with order_stack.catalogue.lock:
        order_stack.catalogue.silent.add(book)
    _, buyer = order_stack.user()
    placed = order_stack.order(buyer, items=[{"book_id": book, "quantity": 1}]).json()
    order = order_stack.wait_status(buyer, placed["id"], "cancelled", timeout=30)
    assert order["timeline"][-1]["reason"] == "the stock could not be confirmed in time"
    assert order["payment"]["status"] == "voided"
    (event,) = order_stack.catalogue.events("order.cancelled", placed["id"], wait_for=1)
    assert event.data["stock_was_reserved"] is False
