"""Order journeys through the gateway, on the whole stack (2 api + 2 worker per service)."""

from __future__ import annotations

import subprocess
import time
from functools import partial
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from scripts.stack import PYTHON, ROOT
from tests.support.broker import broker_stopped
from tests.support.race import race
from tests.support.system import System, auth_header

ADDRESS = {
    "name": "Ada Reader",
    "line1": "1 Library Lane",
    "city": "Lyon",
    "postal_code": "69001",
    "country": "FR",
}
SETTLED = {"paid", "shipped", "delivered", "rejected", "cancelled"}
SOLD = {"paid", "shipped", "delivered"}


def checkout(card: str = "4242424242424242", **body: Any) -> dict[str, Any]:
    return {
        **body,
        "shipping_address": ADDRESS,
        "payment": {
            "card_number": card,
            "exp_month": 12,
            "exp_year": 2030,
            "cvc": "123",
            "holder": "Ada Reader",
        },
    }


def list_book(
    system: System, token: str, *, stock: int, price: str = "12.50", title: str = "Dune"
) -> str:
    """A catalogue book, returned once order_service's read model knows it."""
    created = requests.post(
        system.api("/api/books"),
        headers=auth_header(token),
        timeout=10,
        json={
            "title": title,
            "author": "Frank Herbert",
            "condition": "good",
            "price": price,
            "stock": stock,
            "category": "fiction",
        },
    )
    assert created.status_code == 201, created.text
    book_id = created.json()["id"]
    _, probe = system.register_and_login("Probe")
    wait_for(
        lambda: (
            requests.put(
                system.api(f"/api/cart/items/{book_id}"),
                json={"quantity": 1},
                headers=auth_header(probe),
                timeout=5,
            ).status_code
            == 200
        ),
        "read model has the book",
    )
    return book_id


def wait_for(check: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.1)


def order_of(system: System, token: str, order_id: str) -> dict[str, Any]:
    response = requests.get(
        system.api(f"/api/orders/{order_id}"), headers=auth_header(token), timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()


def wait_status(
    system: System, token: str, order_id: str, statuses: set[str], timeout: float = 30
) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def reached() -> bool:
        found.update(order_of(system, token, order_id))
        return found["status"] in statuses

    wait_for(reached, f"order {order_id} in {statuses}", timeout)
    return found


def book_stock(system: System, book_id: str) -> int:
    return int(requests.get(system.api(f"/api/books/{book_id}"), timeout=10).json()["stock"])


def test_a_buyer_goes_from_cart_to_delivered_through_the_gateway(system: System) -> None:
    seller, seller_token = system.register_and_login("Seller")
    book = list_book(system, seller_token, stock=3, price="8.25")
    _, token = system.register_and_login("Buyer")
    put = requests.put(
        system.api(f"/api/cart/items/{book}"),
        json={"quantity": 2},
        headers=auth_header(token),
        timeout=10,
    )
    assert put.status_code == 200 and put.json()["total"] == "16.50"
    placed = requests.post(
        system.api("/api/orders"),
        json=checkout(from_cart=True),
        headers={**auth_header(token), "Idempotency-Key": "journey-1"},
        timeout=10,
    )
    assert placed.status_code == 202, placed.text
    order = placed.json()
    assert order["status"] == "pending" and order["total"] == "16.50"
    again = requests.post(
        system.api("/api/orders"),
        json=checkout(from_cart=True),
        headers={**auth_header(token), "Idempotency-Key": "journey-1"},
        timeout=10,
    )
    assert again.status_code == 202 and again.json()["id"] == order["id"]
    paid = wait_status(system, token, order["id"], SOLD, timeout=10)
    assert paid["payment"]["status"] == "captured"
    wait_for(lambda: book_stock(system, book) == 1, "catalogue stock taken")
    done = wait_status(system, token, order["id"], {"delivered"}, timeout=20)
    assert [e["status"] for e in done["timeline"]] == [
        "pending",
        "reserved",
        "paid",
        "shipped",
        "delivered",
    ]
    assert done["shipment"]["tracking_number"]
    sales = requests.get(
        system.api("/api/me/sales"), headers=auth_header(seller_token), timeout=10
    ).json()
    assert [(s["order_id"], s["status"]) for s in sales["items"]] == [(order["id"], "delivered")]
    cancel = requests.post(
        system.api(f"/api/orders/{order['id']}/cancel"), headers=auth_header(token), timeout=10
    )
    assert cancel.status_code == 409
    assert seller["id"] == done["items"][0]["seller_id"]


def test_a_cancelled_order_gives_its_stock_back_in_the_catalogue(system: System) -> None:
    # A seller who ships by hand and has not: the order is still paid when the buyer cancels.
    _, seller_token = system.register_and_login("Seller", auto_ship=False)
    book = list_book(system, seller_token, stock=2)
    _, token = system.register_and_login("Buyer")
    placed = requests.post(
        system.api("/api/orders"),
        json=checkout(items=[{"book_id": book, "quantity": 2}]),
        headers=auth_header(token),
        timeout=10,
    ).json()
    paid = wait_status(system, token, placed["id"], SOLD, timeout=10)
    assert paid["status"] == "paid"
    assert [s["status"] for s in paid["shipments"]] == ["awaiting_shipment"]
    wait_for(lambda: book_stock(system, book) == 0, "stock reserved")
    cancel = requests.post(
        system.api(f"/api/orders/{placed['id']}/cancel"), headers=auth_header(token), timeout=10
    )
    assert cancel.status_code == 200 and cancel.json()["payment"]["status"] == "refunded"
    assert [s["status"] for s in cancel.json()["shipments"]] == ["cancelled"]
    assert order_of(system, token, placed["id"])["status"] == "cancelled"
    wait_for(lambda: book_stock(system, book) == 2, "stock released by the catalogue")


def test_a_failed_capture_cancels_and_the_catalogue_releases_the_stock(system: System) -> None:
    _, seller_token = system.register_and_login("Seller")
    book = list_book(system, seller_token, stock=2)
    _, token = system.register_and_login("Buyer")
    declined = requests.post(
        system.api("/api/orders"),
        json=checkout(card="4000000000000002", items=[{"book_id": book, "quantity": 1}]),
        headers=auth_header(token),
        timeout=10,
    )
    assert declined.status_code == 402 and declined.json()["error"]["code"] == "payment_declined"
    placed = requests.post(
        system.api("/api/orders"),
        json=checkout(card="4000000000000341", items=[{"book_id": book, "quantity": 2}]),
        headers=auth_header(token),
        timeout=10,
    )
    assert placed.status_code == 202, placed.text
    order = wait_status(system, token, placed.json()["id"], {"cancelled"}, timeout=20)
    assert "capture failed" in order["timeline"][-1]["reason"]
    wait_for(lambda: book_stock(system, book) == 2, "stock released after the failed capture")
    listed = requests.get(system.api("/api/orders"), headers=auth_header(token), timeout=10)
    assert listed.json()["total"] == 1  # the declined attempt kept no order


def test_thirty_buyers_racing_for_three_copies_never_oversell(system: System) -> None:
    _, seller_token = system.register_and_login("Seller")
    book = list_book(system, seller_token, stock=3, title="Last Copies")
    buyers = [system.register_and_login(f"Racer {i}")[1] for i in range(30)]

    def buy(token: str) -> tuple[str, requests.Response]:
        response = requests.post(
            system.api("/api/orders"),
            json=checkout(items=[{"book_id": book, "quantity": 1}]),
            headers=auth_header(token),
            timeout=30,
        )
        return token, response

    results = race([partial(buy, token) for token in buyers])
    assert len(results) == 30, "every racer answered"
    assert {r.status_code for _, r in results} <= {202, 409}, [r.text for _, r in results]
    accepted = [(t, r.json()["id"]) for t, r in results if r.status_code == 202]
    final = [wait_status(system, t, oid, SETTLED, timeout=60)["status"] for t, oid in accepted]
    assert sum(status in SOLD for status in final) == 3, final
    assert all(status in SOLD | {"rejected"} for status in final), final
    wait_for(lambda: book_stock(system, book) == 0, "stock at zero")


def test_the_rebuilt_read_model_equals_the_catalogue(system: System) -> None:
    _, seller_token = system.register_and_login("Seller")
    kept = list_book(system, seller_token, stock=4, title="Kept")
    gone = list_book(system, seller_token, stock=1, title="Gone")
    assert (
        requests.patch(
            system.api(f"/api/books/{kept}"),
            json={"price": "30.00"},
            headers=auth_header(seller_token),
            timeout=10,
        ).status_code
        == 200
    )
    assert (
        requests.delete(
            system.api(f"/api/books/{gone}"), headers=auth_header(seller_token), timeout=10
        ).status_code
        == 204
    )
    done = subprocess.run(
        [PYTHON, "-m", "order_service.rebuild_read_model"],
        env=system.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    catalog = create_engine(system.env["CATALOG_DATABASE_URL"])
    orders = create_engine(system.env["ORDER_DATABASE_URL"])
    expected, got = _catalogue_books(catalog), {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        got = _read_model_books(orders)
        if {k: v for k, v in got.items() if k in expected} == expected and set(expected) <= set(
            got
        ):
            break
        time.sleep(0.2)
    assert {k: v for k, v in got.items() if k in expected} == expected
    assert got[kept][1] == "30.00" and got[gone][4] is True


def _catalogue_books(engine: Any) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, title, price, stock, version, deleted_at IS NOT NULL FROM books")
        ).all()
    return {
        r[0]: (
            r[1] if not r[5] else "",
            f"{r[2]:.2f}" if not r[5] else "0.00",
            r[3] if not r[5] else 0,
            r[4],
            bool(r[5]),
        )
        for r in rows
    }


def _read_model_books(engine: Any) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT book_id, title, price, stock, version, deleted FROM books")
        ).all()
    return {r[0]: (r[1], f"{r[2]:.2f}", r[3], r[4], bool(r[5])) for r in rows}


@pytest.mark.faults
def test_orders_accepted_while_rabbitmq_is_stopped_complete_after_it_returns(
    system: System,
) -> None:
    _, seller_token = system.register_and_login("Seller")
    book = list_book(system, seller_token, stock=10, title="Outage")
    buyers = [system.register_and_login(f"Patient {i}")[1] for i in range(5)]
    accepted: list[tuple[str, str]] = []
    with broker_stopped(system.env["RABBITMQ_URL"]):
        for token in buyers:
            placed = requests.post(
                system.api("/api/orders"),
                json=checkout(items=[{"book_id": book, "quantity": 1}]),
                headers=auth_header(token),
                timeout=15,
            )
            assert placed.status_code == 202, placed.text
            accepted.append((token, placed.json()["id"]))
        assert all(order_of(system, t, oid)["status"] == "pending" for t, oid in accepted)
    for token, order_id in accepted:
        wait_status(system, token, order_id, {"delivered"}, timeout=90)
    wait_for(lambda: book_stock(system, book) == 5, "catalogue stock after the outage", 60)
