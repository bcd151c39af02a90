"""The seller fulfilment pages through Flask's test client, against the in-memory fake API:
/my/shipments, the order page's shipments, received and review, /my/balance, the auto-ship
section of /my/settings, /sellers/<id> and the seller's rating on a book page."""

# ruff: noqa: F811  (pytest fixtures imported from test_frontend_pages are parameters here)
from __future__ import annotations

import html

import pytest
from flask.testing import FlaskClient

from tests.support.fake_gateway import Store
from tests.support.fake_gateway.fulfilment import open_shipments
from tests.unit.test_frontend_pages import (  # noqa: F401 (fixtures)
    app,
    book_id,
    buyer,
    order_id,
    post,
    seller,
    store,
)


@pytest.fixture
def shipment_id(store: Store, order_id: str) -> str:
    return str(open_shipments(store, order_id)[0]["id"])


def sent(store: Store, path: str) -> dict:
    return [r for r in store.requests if r["path"] == path][-1]["json"]


def test_the_seller_sees_what_to_ship_with_the_buyers_address_and_ships_it(
    store: Store, seller: FlaskClient, shipment_id: str
) -> None:
    page = seller.get("/my/shipments").text
    assert "Bob Buyer" in page and "1 Main Street" in page and "Dune" in page
    assert f'action="/my/shipments/{shipment_id}/ship"' in page
    shipped = post(
        seller,
        f"/my/shipments/{shipment_id}/ship",
        {"carrier": "DHL", "tracking_number": "JD0001"},
    )
    assert shipped.status_code == 303 and shipped.headers["Location"].endswith("/my/shipments")
    assert sent(store, f"/api/shipments/{shipment_id}/ship") == {
        "carrier": "DHL",
        "tracking_number": "JD0001",
    }
    assert store.shipments[shipment_id]["status"] == "shipped"
    page = seller.get("/my/shipments?status=shipped").text
    assert "JD0001" in page


def test_a_refused_ship_or_cancel_says_why_on_the_page(
    store: Store, seller: FlaskClient, shipment_id: str
) -> None:
    refused = post(
        seller, f"/my/shipments/{shipment_id}/ship", {"carrier": "", "tracking_number": "1"}
    )
    assert refused.status_code == 303
    page = seller.get("/my/shipments").text
    assert "carrier: required" in html.unescape(page)
    cancelled = post(seller, f"/my/shipments/{shipment_id}/cancel", {"reason": "torn cover"})
    assert cancelled.status_code == 303
    assert store.shipments[shipment_id]["status"] == "cancelled"
    post(seller, f"/my/shipments/{shipment_id}/cancel", {"reason": "again"})
    assert "The shipment is cancelled." in seller.get("/my/shipments").text


def test_another_users_shipment_cannot_be_shipped_from_the_page(
    store: Store, buyer: FlaskClient, shipment_id: str
) -> None:
    post(buyer, f"/my/shipments/{shipment_id}/ship", {"carrier": "UPS", "tracking_number": "1Z01"})
    assert store.shipments[shipment_id]["status"] == "awaiting_shipment"


def test_the_buyer_confirms_receipt_then_reviews_the_seller_from_the_order_page(
    store: Store, seller: FlaskClient, buyer: FlaskClient, order_id: str, shipment_id: str
) -> None:
    page = buyer.get(f"/orders/{order_id}").text
    assert "Shipments" in page and "I received it" not in page
    post(
        seller, f"/my/shipments/{shipment_id}/ship", {"carrier": "DHL", "tracking_number": "JD0002"}
    )
    page = buyer.get(f"/orders/{order_id}").text
    assert "I received it" in page and "JD0002" in page and "Review your sellers" not in page
    received = post(buyer, f"/orders/{order_id}/shipments/{shipment_id}/received", {})
    assert received.status_code == 303
    assert received.headers["Location"].endswith(f"/orders/{order_id}")
    page = buyer.get(f"/orders/{order_id}").text
    assert "Review your sellers" in page
    reviewed = post(
        buyer,
        f"/orders/{order_id}/shipments/{shipment_id}/review",
        {"rating": "4", "comment": " Well packed "},
    )
    assert reviewed.status_code == 303
    assert sent(store, f"/api/orders/{order_id}/shipments/{shipment_id}/review") == {
        "rating": 4,
        "comment": "Well packed",
    }
    post(buyer, f"/orders/{order_id}/shipments/{shipment_id}/review", {"rating": "5"})
    assert "already reviewed" in buyer.get(f"/orders/{order_id}").text


def test_the_seller_page_and_the_book_page_show_the_rating(
    store: Store,
    app,
    seller: FlaskClient,
    buyer: FlaskClient,
    book_id: str,
    order_id: str,
    shipment_id: str,
) -> None:
    seller_id = store.shipments[shipment_id]["seller_id"]
    store.shipments[shipment_id]["status"] = "delivered"
    post(
        buyer,
        f"/orders/{order_id}/shipments/{shipment_id}/review",
        {"rating": "5", "comment": "Lovely"},
    )
    page = app.test_client().get(f"/sellers/{seller_id}").text
    assert "Sally" in page and "5.0 / 5 from 1 review" in page and "Lovely" in page
    store.books[book_id]["seller_rating"] = {"average": 4.5, "count": 2}
    book_page = app.test_client().get(f"/books/{book_id}").text
    assert "4.5 (2 reviews)" in book_page and f'href="/sellers/{seller_id}"' in book_page
    assert app.test_client().get("/sellers/0b1c7a56-5f0e-4a8e-9b44-3f7f2a1d9e10").status_code == 404


def test_the_balance_page_shows_the_figures_and_pays_out(
    store: Store, seller: FlaskClient, shipment_id: str
) -> None:
    store.shipments[shipment_id]["status"] = "delivered"
    page = seller.get("/my/balance").text
    assert "$11.25" in page and "Commission" in page and "Sale" in page  # 12.50 less 10%
    too_much = post(seller, "/my/balance", {"amount": "50"})
    assert too_much.status_code == 303
    assert "must be at most the available 11.25" in seller.get("/my/balance").text
    paid = post(seller, "/my/balance", {"amount": ""})
    assert paid.status_code == 303 and sent(store, "/api/me/payouts") == {}
    page = seller.get("/my/balance").text
    assert "11.25 USD is on its way" in page and "Payout" in page


def test_the_auto_ship_form_of_the_settings_page_turns_it_on_and_off(
    store: Store, seller: FlaskClient
) -> None:
    turned_on = post(seller, "/my/settings/auto-ship", {"auto_ship": "on"})
    assert turned_on.status_code == 303 and turned_on.headers["Location"].endswith("/my/settings")
    assert sent(store, "/api/me/seller-settings") == {"auto_ship": True}
    assert any(store.seller_settings.values())
    post(seller, "/my/settings/auto-ship", {})  # an unticked checkbox is not sent at all
    assert sent(store, "/api/me/seller-settings") == {"auto_ship": False}
