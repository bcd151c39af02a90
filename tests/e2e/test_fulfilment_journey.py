"""Seller fulfilment through the gateway and the frontend, on the whole stack: every row of
docs/api.md "Seller fulfilment, reviews and balance", with two sellers who ship by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import requests

from tests.e2e.test_frontend_shop import Shopper
from tests.e2e.test_order_journey import checkout, list_book, wait_for, wait_status
from tests.support.system import System, auth_header

PASSWORD = "correct horse battery"


def token_of(system: System, shopper: Shopper) -> str:
    """The API token of a shopper who registered through the frontend."""
    login = requests.post(
        system.api("/api/auth/login"),
        json={"email": shopper.email, "password": PASSWORD},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    return str(login.json()["access_token"])


def call(system: System, method: str, path: str, token: str | None, **kw: Any) -> Any:
    headers = auth_header(token) if token else {}
    return requests.request(method, system.api(path), headers=headers, timeout=10, **kw)


def test_two_sellers_one_ships_one_cancels_then_receipt_review_and_payout(system: System) -> None:
    ships = Shopper(system, "Shipper").register()  # auto-ship off: ships from /my/shipments
    ships_token = token_of(system, ships)
    cancels, cancels_token = system.register_and_login("Canceller", auto_ship=False)
    _, stranger = system.register_and_login("Stranger", auto_ship=False)
    book_a = list_book(system, ships_token, stock=2, price="20.00", title="Kept")
    book_b = list_book(system, cancels_token, stock=3, price="7.50", title="Withdrawn")
    buyer = Shopper(system, "Buyer").register()
    buyer_token = token_of(system, buyer)
    items = [{"book_id": book_a, "quantity": 1}, {"book_id": book_b, "quantity": 2}]
    placed = call(system, "POST", "/api/orders", buyer_token, json=checkout(items=items))
    assert placed.status_code == 202, placed.text
    order = wait_status(system, buyer_token, placed.json()["id"], {"paid"})
    part = {s["seller_id"]: s for s in order["shipments"]}
    part_a, part_b = part[_id(system, ships_token)], part[cancels["id"]]
    assert part_a["status"] == part_b["status"] == "awaiting_shipment"
    assert order["shipment"] == order["shipments"][0]

    # The seller's list and page: what to send, to whom, by when.
    listed = call(system, "GET", "/api/me/shipments?status=awaiting_shipment", ships_token).json()
    assert [s["id"] for s in listed["items"]] == [part_a["id"]]
    assert listed["items"][0]["shipping_address"]["line1"] == "1 Library Lane"
    assert call(system, "GET", "/api/me/shipments?status=lost", ships_token).status_code == 422
    page = ships.get("/my/shipments")
    assert page.status_code == 200 and "1 Library Lane" in page.text and "Kept" in page.text

    # Nobody ships or cancels another seller's shipment; the other seller cancels their own.
    body = {"carrier": "UPS", "tracking_number": "1Z999AA1"}
    assert (
        call(system, "POST", f"/api/shipments/{part_a['id']}/ship", stranger, json=body).status_code
        == 404
    )
    cancelled = call(
        system,
        "POST",
        f"/api/shipments/{part_b['id']}/cancel",
        cancels_token,
        json={"reason": "torn"},
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = call(
        system, "POST", f"/api/shipments/{part_b['id']}/cancel", cancels_token, json={"reason": "x"}
    )
    assert again.status_code == 409
    wait_for(
        lambda: call(system, "GET", f"/api/books/{book_b}", None).json()["stock"] == 3,
        "the cancelled shipment's stock back on sale",
    )

    # The shipping seller ships from the page (a form with the API's field names).
    shipped = ships.post(f"/my/shipments/{part_a['id']}/ship", body)
    assert shipped.status_code == 303
    order = wait_status(system, buyer_token, order["id"], {"shipped"})
    assert order["payment"]["status"] == "partially_refunded"
    ship_again = call(system, "POST", f"/api/shipments/{part_a['id']}/ship", ships_token, json=body)
    assert ship_again.status_code == 409

    # The buyer confirms receipt and reviews, from the order page.
    order_page = buyer.get(f"/orders/{order['id']}")
    assert "I received it" in order_page.text and "UPS" in order_page.text
    review_path = f"/api/orders/{order['id']}/shipments/{part_a['id']}/review"
    assert call(system, "POST", review_path, buyer_token, json={"rating": 5}).status_code == 409
    received = buyer.post(f"/orders/{order['id']}/shipments/{part_a['id']}/received", {})
    assert received.status_code == 303
    done = wait_status(system, buyer_token, order["id"], {"delivered"})
    assert sorted(s["status"] for s in done["shipments"]) == ["cancelled", "delivered"]
    received_api = f"/api/orders/{order['id']}/shipments/{part_b['id']}/received"
    assert call(system, "POST", received_api, buyer_token).status_code == 409
    assert "Review your sellers" in buyer.get(f"/orders/{order['id']}").text
    posted = buyer.post(
        f"/orders/{order['id']}/shipments/{part_a['id']}/review",
        {"rating": "5", "comment": "Perfect copy"},
    )
    assert posted.status_code == 303
    twice = call(system, "POST", review_path, buyer_token, json={"rating": 4})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "conflict"

    # The seller's profile and books learn the rating from review.posted.
    seller_id = part_a["seller_id"]
    wait_for(
        lambda: (
            call(system, "GET", f"/api/sellers/{seller_id}", None).json()["rating"]["count"] == 1
        ),
        "the profile has the review",
    )
    profile = call(system, "GET", f"/api/sellers/{seller_id}", None).json()
    assert profile["rating"] == {"average": 5.0, "count": 1} and profile["name"] == "Shipper"
    assert profile["recent_reviews"][0]["comment"] == "Perfect copy"
    reviews = call(system, "GET", f"/api/sellers/{seller_id}/reviews", None).json()
    assert reviews["total"] == 1 and reviews["items"][0]["buyer_name"] == "Buyer"
    assert call(system, "GET", f"/api/books/{book_a}", None).json()["seller_rating"]["count"] == 1
    assert (
        call(system, "GET", "/api/sellers/0b1c7a56-5f0e-4a8e-9b44-3f7f2a1d9e10", None).status_code
        == 404
    )
    assert "Perfect copy" in buyer.get(f"/sellers/{seller_id}").text
    assert "1 review" in buyer.get(f"/books/{book_a}").text

    # Money: 20.00 sold, 10% commission, available once delivered; paid out through the page.
    balance = call(system, "GET", "/api/me/balance", ships_token).json()
    assert balance == {
        "pending": "0.00",
        "available": "18.00",
        "paid_out": "0.00",
        "currency": "USD",
        "commission_percent": 10.0,
    }
    assert (
        call(system, "POST", "/api/me/payouts", ships_token, json={"amount": "18.01"}).status_code
        == 422
    )
    payout = call(system, "POST", "/api/me/payouts", ships_token, json={"amount": "8.00"})
    assert payout.status_code == 201 and payout.json()["status"] == "sent"
    assert ships.post("/my/balance", {"amount": ""}).status_code == 303  # the rest, from the page
    after = call(system, "GET", "/api/me/balance", ships_token).json()
    assert (after["available"], after["paid_out"]) == ("0.00", "18.00")
    entries = call(system, "GET", "/api/me/balance/entries", ships_token).json()["items"]
    assert sorted(e["kind"] for e in entries) == ["commission", "payout", "payout", "sale"]
    assert sum(Decimal(e["amount"]) for e in entries) == Decimal(after["pending"]) + Decimal(
        after["available"]
    )
    other = call(system, "GET", "/api/me/balance", cancels_token).json()
    assert other["pending"] == other["available"] == "0.00"
    assert "18.00" in ships.get("/my/balance").text


def test_seller_settings_are_off_by_default_and_turned_on_from_the_settings_page(
    system: System,
) -> None:
    seller = Shopper(system, "Toggler").register()
    token = token_of(system, seller)
    assert call(system, "GET", "/api/me/seller-settings", token).json() == {"auto_ship": False}
    bad = call(system, "PUT", "/api/me/seller-settings", token, json={"auto_ship": 1})
    assert bad.status_code == 422
    assert 'id="selling-settings"' in seller.get("/my/settings").text
    seller.auto_ship()
    assert call(system, "GET", "/api/me/seller-settings", token).json() == {"auto_ship": True}
    off = call(system, "PUT", "/api/me/seller-settings", token, json={"auto_ship": False})
    assert off.json() == {"auto_ship": False}


def _id(system: System, token: str) -> str:
    return str(call(system, "GET", "/api/auth/me", token).json()["id"])
