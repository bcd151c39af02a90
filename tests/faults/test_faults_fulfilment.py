"""Faults in seller fulfilment: order workers killed between shipping and delivery, payouts taken
while the broker is down. No shipment is lost, no money created or lost (the invariant checker
holds shipments and ledgers too: tests/support/invariants.py)."""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import requests

from tests.faults.conftest import Shop, wait_for
from tests.faults.load import checkout_body
from tests.support.broker import broker_stopped
from tests.support.system import auth_header

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]
ORDER_WORKERS = ("order-worker", "order-worker1")


def _api(shop: Shop, method: str, path: str, token: str, **kw: Any) -> Any:
    return requests.request(
        method, shop.system.api(path), headers=auth_header(token), timeout=15, **kw
    )


def _order(shop: Shop, token: str, order_id: str) -> dict[str, Any]:
    return dict(_api(shop, "GET", f"/api/orders/{order_id}", token).json())


def test_workers_killed_between_shipping_and_delivery_and_payouts_without_broker_lose_no_money(
    shop: Shop,
) -> None:
    system = shop.system
    _, seller = system.register_and_login("Fault Shipper", auto_ship=False)
    body = {"title": "Ledger Proof", "author": "A. Ccount", "condition": "good", "price": "10.00"}
    book = _api(shop, "POST", "/api/books", seller, json={**body, "stock": 6}).json()["id"]
    shop.initial[book] = 6
    wait_for(lambda: shop._read_model_has([book]), timeout=30)
    buyers = shop.buyers[:3]
    orders = []
    for buyer in buyers:
        placed = _api(
            shop,
            "POST",
            "/api/orders",
            buyer,
            json=checkout_body([{"book_id": book, "quantity": 1}]),
        )
        assert placed.status_code == 202, placed.text
        orders.append((buyer, placed.json()["id"]))
    for buyer, order_id in orders:
        wait_for(lambda b=buyer, o=order_id: _order(shop, b, o)["status"] == "paid", timeout=30)

    for name in ORDER_WORKERS:  # no worker runs between shipping and delivery
        system.group.signal(name, signal.SIGKILL)
        system.group.procs[name].wait(10)
    awaiting = _api(shop, "GET", "/api/me/shipments?status=awaiting_shipment", seller).json()
    assert awaiting["total"] == 3
    for shipment in awaiting["items"]:
        ship = {"carrier": "DHL", "tracking_number": f"JD{shipment['id'][:8]}"}
        shipped = _api(shop, "POST", f"/api/shipments/{shipment['id']}/ship", seller, json=ship)
        assert shipped.status_code == 200, shipped.text
    time.sleep(3)  # past DELIVERY_DELAY_SECONDS: the delivery timers are due, nobody fires them
    assert {_order(shop, b, o)["status"] for b, o in orders} == {"shipped"}
    pending = _api(shop, "GET", "/api/me/balance", seller).json()
    assert (pending["pending"], pending["available"]) == ("27.00", "0.00")

    with broker_stopped(system.env["RABBITMQ_URL"]):
        for name in ORDER_WORKERS:
            system.group.restart(name)
        for buyer, order_id in orders:  # the timers kept in the database deliver
            wait_for(
                lambda b=buyer, o=order_id: _order(shop, b, o)["status"] == "delivered", timeout=60
            )

        def payout(_: int) -> int:
            answer = _api(shop, "POST", "/api/me/payouts", seller, json={"amount": "9.00"})
            return int(answer.status_code)

        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(payout, range(4)))
    assert sorted(answers) == [201, 201, 201, 422]  # 27.00 available: three payouts of 9.00

    report = shop.settle()
    assert report.ok, str(report)
    final = _api(shop, "GET", "/api/me/balance", seller).json()
    assert (final["pending"], final["available"], final["paid_out"]) == ("0.00", "0.00", "27.00")
    entries = _api(shop, "GET", "/api/me/balance/entries?per_page=100", seller).json()["items"]
    assert sum(Decimal(e["amount"]) for e in entries) == 0
    assert sorted(e["kind"] for e in entries).count("payout") == 3
    assert shop.dead_letters()["order"] == 0
