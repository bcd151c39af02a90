"""Seller fulfilment with real processes (2 api + 2 worker), MariaDB and RabbitMQ: shipments per
seller, ship / cancel / ship-by expiry, the buyer's receipt and review, the seller ledger.

The catalogue is the scripted stand-in of tests/support/order_harness.py.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import requests

from tests.support.order_harness import OrderStack


def _paid_order(
    stack: OrderStack, books: list[tuple[str, int]], buyer: dict[str, str]
) -> dict[str, Any]:
    items = [{"book_id": book, "quantity": quantity} for book, quantity in books]
    placed = stack.order(buyer, items=items)
    assert placed.status_code == 202, placed.text
    return stack.wait_status(buyer, placed.json()["id"], "paid", timeout=10)


def _shipment_of(order: dict[str, Any], seller_id: str) -> dict[str, Any]:
    (found,) = [s for s in order["shipments"] if s["seller_id"] == seller_id]
    return found


def _post(stack: OrderStack, path: str, headers: dict[str, str], body: Any = None) -> Any:
    return requests.post(f"{stack.api}{path}", json=body, headers=headers, timeout=10)


def _get(stack: OrderStack, path: str, headers: dict[str, str]) -> Any:
    return requests.get(f"{stack.api}{path}", headers=headers, timeout=10)


def _wait_handled(stack: OrderStack, event_id: str) -> None:
    """Until the order workers' inbox holds the event (it was handled and committed)."""
    deadline = time.monotonic() + 10
    while not stack.scalar("SELECT COUNT(*) FROM processed_events WHERE event_id = %s", event_id):
        assert time.monotonic() < deadline, f"event {event_id} never handled"
        time.sleep(0.05)


def _ledger_sum(stack: OrderStack, seller_id: str) -> Decimal:
    total = stack.scalar(
        "SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE seller_id = %s", seller_id
    )
    return Decimal(total)


def test_one_seller_ships_the_other_cancels_and_the_order_ends_delivered(
    order_stack: OrderStack,
) -> None:
    ships, cancels = order_stack.user("Ships")[0], order_stack.user("Cancels")[0]
    book_a = order_stack.list_book(ships, stock=3, price="12.50", auto_ship=False)
    book_b = order_stack.list_book(cancels, stock=2, price="8.00", auto_ship=False)
    _, buyer = order_stack.user("Buyer")
    order = _paid_order(order_stack, [(book_a, 2), (book_b, 1)], buyer)
    assert order["status"] == "paid" and len(order["shipments"]) == 2
    part_a, part_b = _shipment_of(order, ships), _shipment_of(order, cancels)
    assert part_a["status"] == part_b["status"] == "awaiting_shipment"
    assert [i["subtotal"] for i in part_a["items"]] == ["25.00"] and part_a["ship_by"]
    assert order["shipment"] == order["shipments"][0]

    listed = _get(
        order_stack, "/api/me/shipments?status=awaiting_shipment", order_stack.seller(ships)
    )
    assert [s["id"] for s in listed.json()["items"]] == [part_a["id"]]
    assert listed.json()["items"][0]["shipping_address"]["city"] == "Lyon"
    assert listed.json()["items"][0]["buyer_name"] == "Ada Reader"

    shipped = _post(
        order_stack,
        f"/api/shipments/{part_a['id']}/ship",
        order_stack.seller(ships),
        {"carrier": "La Poste", "tracking_number": "LP123456"},
    )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped" and shipped.json()["carrier"] == "La Poste"
    assert order_stack.wait_status(buyer, order["id"], "paid")["status"] == "paid"  # B awaits

    cancelled = _post(
        order_stack,
        f"/api/shipments/{part_b['id']}/cancel",
        order_stack.seller(cancels),
        {"reason": "the copy is damaged"},
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancelled_reason"] == "the copy is damaged"
    after = order_stack.wait_status(buyer, order["id"], "shipped")
    assert after["payment"]["status"] == "partially_refunded"
    (event,) = order_stack.catalogue.events("shipment.cancelled", order["id"], wait_for=1)
    assert event.data["refund_amount"] == "8.00"
    assert event.data["items"] == [{"book_id": book_b, "quantity": 1}]
    order_stack.wait_for_book(book_b, lambda row: row["stock"] == 2)  # that part back on sale
    order_stack.wait_for_book(book_a, lambda row: row["stock"] == 1)  # the shipped part sold
    refunded = order_stack.scalar(
        "SELECT refunded_amount FROM simulated_payments WHERE reference = %s", order["id"]
    )
    assert refunded == Decimal("8.00")

    received = _post(
        order_stack, f"/api/orders/{order['id']}/shipments/{part_a['id']}/received", buyer
    )
    assert received.status_code == 200, received.text
    done = received.json()
    assert done["status"] == "delivered"
    assert sorted(s["status"] for s in done["shipments"]) == ["cancelled", "delivered"]
    assert [t["status"] for t in done["timeline"]][-2:] == ["shipped", "delivered"]
    assert len(order_stack.catalogue.events("order.delivered", order["id"], wait_for=1)) == 1

    balance_a = _get(order_stack, "/api/me/balance", order_stack.seller(ships)).json()
    assert balance_a == {
        "pending": "0.00",
        "available": "22.50",
        "paid_out": "0.00",
        "currency": "USD",
        "commission_percent": 10.0,
    }
    balance_b = _get(order_stack, "/api/me/balance", order_stack.seller(cancels)).json()
    assert balance_b["pending"] == balance_b["available"] == "0.00"
    kinds = [
        e["kind"]
        for e in _get(order_stack, "/api/me/balance/entries", order_stack.seller(cancels)).json()[
            "items"
        ]
    ]
    assert sorted(kinds) == ["commission", "refund", "sale"]
    assert _ledger_sum(order_stack, cancels) == 0


def test_a_seller_cannot_touch_another_sellers_shipment_and_steps_happen_once(
    order_stack: OrderStack,
) -> None:
    seller, other = order_stack.user()[0], order_stack.user()[0]
    book = order_stack.list_book(seller, auto_ship=False)
    _, buyer = order_stack.user()
    order = _paid_order(order_stack, [(book, 1)], buyer)
    part = order["shipments"][0]
    ship = {"carrier": "DHL", "tracking_number": "DH998877"}
    path = f"/api/shipments/{part['id']}"
    assert _post(order_stack, f"{path}/ship", order_stack.seller(other), ship).status_code == 404
    assert (
        _post(order_stack, f"{path}/cancel", order_stack.seller(other), {"reason": "x"}).status_code
        == 404
    )
    early = _post(order_stack, f"/api/orders/{order['id']}/shipments/{part['id']}/received", buyer)
    assert early.status_code == 409
    bad = _post(
        order_stack,
        f"{path}/ship",
        order_stack.seller(seller),
        {"carrier": "", "tracking_number": "1"},
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"carrier", "tracking_number"}
    review_path = f"/api/orders/{order['id']}/shipments/{part['id']}/review"
    assert _post(order_stack, review_path, buyer, {"rating": 5}).status_code == 409

    assert _post(order_stack, f"{path}/ship", order_stack.seller(seller), ship).status_code == 200
    again = _post(order_stack, f"{path}/ship", order_stack.seller(seller), ship)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    late = _post(order_stack, f"{path}/cancel", order_stack.seller(seller), {"reason": "oops"})
    assert late.status_code == 409
    cancel_order = _post(order_stack, f"/api/orders/{order['id']}/cancel", buyer)
    assert cancel_order.status_code == 409

    done = order_stack.wait_status(buyer, order["id"], "delivered", timeout=15)  # the carrier
    assert done["shipments"][0]["delivered_at"] >= done["shipments"][0]["shipped_at"]
    assert (
        _post(
            order_stack,
            review_path,
            {"Authorization": order_stack.seller(other)["Authorization"]},
            {"rating": 5},
        ).status_code
        == 404
    )
    assert _post(order_stack, review_path, buyer, {"rating": 6}).status_code == 422
    posted = _post(order_stack, review_path, buyer, {"rating": 4, "comment": "Well packed"})
    assert posted.status_code == 201, posted.text
    assert posted.json()["rating"] == 4 and posted.json()["seller_id"] == seller
    assert _post(order_stack, review_path, buyer, {"rating": 1}).status_code == 409
    (review,) = order_stack.catalogue.events("review.posted", order["id"], wait_for=1)
    assert review.data["rating"] == 4 and review.data["buyer_name"] == "Reader"
    assert len(order_stack.catalogue.events("shipment.shipped", order["id"])) == 1
    assert len(order_stack.catalogue.events("shipment.delivered", order["id"], wait_for=1)) == 1


def test_a_shipment_not_shipped_by_its_date_cancels_itself_and_is_refunded(
    order_stack: OrderStack,
) -> None:
    seller = order_stack.user()[0]
    book = order_stack.list_book(seller, stock=2, price="10.00", auto_ship=False)
    _, buyer = order_stack.user()
    order = _paid_order(order_stack, [(book, 2)], buyer)
    part = order["shipments"][0]
    # The ship-by date arrives: the timer row in the database falls due (no wall-clock wait).
    moved = order_stack.scalar(
        "SELECT COUNT(*) FROM shipment_timers WHERE shipment_id = %s AND kind = 'ship_by'",
        part["id"],
    )
    assert moved == 1
    with order_stack.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE shipment_timers SET due_at = UTC_TIMESTAMP(6) WHERE shipment_id = %s"
            " AND kind = 'ship_by'",
            (part["id"],),
        )
    done = order_stack.wait_status(buyer, order["id"], "cancelled", timeout=10)
    assert done["shipments"][0]["status"] == "cancelled"
    assert done["shipments"][0]["cancelled_reason"] == "not shipped by the ship-by date"
    assert done["payment"]["status"] == "refunded"
    order_stack.wait_for_book(book, lambda row: row["stock"] == 2)
    (event,) = order_stack.catalogue.events("shipment.cancelled", order["id"], wait_for=1)
    assert event.data["refund_amount"] == "20.00"
    assert _ledger_sum(order_stack, seller) == 0
    late = _post(
        order_stack,
        f"/api/shipments/{part['id']}/ship",
        order_stack.seller(seller),
        {"carrier": "UPS", "tracking_number": "1Z999"},
    )
    assert late.status_code == 409


def test_a_repeated_stock_reserved_opens_one_shipment_per_seller(order_stack: OrderStack) -> None:
    seller = order_stack.user()[0]
    book = order_stack.list_book(seller, auto_ship=False)
    _, buyer = order_stack.user()
    order = _paid_order(order_stack, [(book, 1)], buyer)
    (placed_event,) = order_stack.catalogue.events("order.placed", order["id"])
    with order_stack.catalogue.lock:
        (original,) = [
            e
            for e in order_stack.catalogue.sent
            if e.type == "stock.reserved" and e.to_dict()["data"]["order_id"] == order["id"]
        ]
    order_stack.publish(original)  # the same message again, then a distinct duplicate
    second = order_stack.publish(
        placed_event.caused(
            "stock.reserved", original.to_dict()["data"], producer="catalog_service"
        )
    )
    _wait_handled(order_stack, second.id)
    assert (
        order_stack.scalar("SELECT COUNT(*) FROM shipments WHERE order_id = %s", order["id"]) == 1
    )
    assert (
        order_stack.scalar("SELECT COUNT(*) FROM ledger_entries WHERE order_id = %s", order["id"])
        == 2
    )
    # The hand-shipping seller is told once that the shipment waits (shipment_due downstream).
    awaiting = order_stack.scalar(
        "SELECT COUNT(*) FROM outbox WHERE event_type = 'shipment.awaiting' AND payload LIKE %s",
        f"%{order['id']}%",
    )
    assert awaiting == 1


def test_seller_settings_default_off_and_validate(order_stack: OrderStack) -> None:
    _, someone = order_stack.user()
    assert _get(order_stack, "/api/me/seller-settings", someone).json() == {"auto_ship": False}
    bad = requests.put(
        f"{order_stack.api}/api/me/seller-settings",
        json={"auto_ship": "yes"},
        headers=someone,
        timeout=5,
    )
    assert bad.status_code == 422 and "auto_ship" in bad.json()["error"]["fields"]
    assert _get(order_stack, "/api/me/shipments?status=lost", someone).status_code == 422
    assert _get(order_stack, "/api/me/shipments", someone).json()["total"] == 0


def test_concurrent_deliveries_and_payouts_neither_create_nor_lose_money(
    order_stack: OrderStack,
) -> None:
    seller = order_stack.user()[0]
    book = order_stack.list_book(seller, stock=20, price="10.00", auto_ship=False)
    buyers = [order_stack.user()[1] for _ in range(4)]
    orders = [_paid_order(order_stack, [(book, 1)], buyer) for buyer in buyers]
    headers = order_stack.seller(seller)
    ship = {"carrier": "UPS", "tracking_number": "1Z0001"}
    for order in orders:
        path = f"/api/shipments/{order['shipments'][0]['id']}/ship"
        assert _post(order_stack, path, headers, ship).status_code == 200
    pending = _get(order_stack, "/api/me/balance", headers).json()
    assert pending["pending"] == "36.00" and pending["available"] == "0.00"
    over = _post(order_stack, "/api/me/payouts", headers, {"amount": "0.01"})
    assert over.status_code == 422 and "amount" in over.json()["error"]["fields"]

    def receive(pair: tuple[dict, dict]) -> int:
        order, buyer = pair
        path = f"/api/orders/{order['id']}/shipments/{order['shipments'][0]['id']}/received"
        return int(_post(order_stack, path, buyer).status_code)

    def payout(_: int) -> int:
        return int(_post(order_stack, "/api/me/payouts", headers, {"amount": "9.00"}).status_code)

    with ThreadPoolExecutor(8) as pool:
        received = list(pool.map(receive, zip(orders, buyers, strict=True)))
        paid = list(pool.map(payout, range(6)))
    assert received == [200] * 4
    assert paid.count(201) == 4 and paid.count(422) == 2  # 36.00 available: four payouts of 9
    final = _get(order_stack, "/api/me/balance", headers).json()
    assert final["available"] == "0.00" and final["paid_out"] == "36.00"
    entries = _get(order_stack, "/api/me/balance/entries?per_page=100", headers).json()
    total = sum(Decimal(e["amount"]) for e in entries["items"])
    assert total == Decimal(final["pending"]) + Decimal(final["available"]) == 0
    assert _post(order_stack, "/api/me/payouts", headers, {}).status_code == 422  # nothing left
    assert _post(order_stack, "/api/me/payouts", headers).status_code == 415  # a JSON body
