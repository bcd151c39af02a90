# ruff: noqa: F811  (pytest fixtures imported from test_catalog_api are parameters here)
"""Seller profiles, reviews, ratings on books, and a cancelled shipment's stock, on a real MariaDB.

The handlers run as the consumer runs them (one transaction per delivery, tests/integration/
test_catalog_stock.py); the profile and the books are read through the catalogue's API.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.testing import FlaskClient

from catalog_service.consumers import HANDLERS
from catalog_service.db import Database
from shared.events import Envelope, new_event
from tests.integration.test_catalog_api import (  # noqa: F401 (fixtures)
    Seller,
    client,
    database_url,
    minter,
    seller,
)


def handle(url: str, event_type: str, data: dict[str, Any]) -> Envelope:
    event = new_event(event_type, data, producer="order_service")
    db = Database(url)
    try:
        with db.session() as session, session.begin():
            for handler in HANDLERS[event_type]:
                handler(session, event)
    finally:
        db.engine.dispose()
    return event


def review(seller_id: str, rating: int, comment: str | None = None) -> dict[str, Any]:
    return {
        "review_id": str(uuid.uuid4()),
        "order_id": str(uuid.uuid4()),
        "shipment_id": str(uuid.uuid4()),
        "seller_id": seller_id,
        "buyer_id": str(uuid.uuid4()),
        "buyer_name": "Ada Reader",
        "rating": rating,
        "comment": comment,
    }


def placed(order_id: str, *items: tuple[str, int]) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "buyer_id": "b",
        "items": [
            {"book_id": b, "seller_id": "s", "quantity": q, "unit_price": "5.00"} for b, q in items
        ],
        "total": "0.00",
        "currency": "USD",
    }


def cancelled_shipment(order_id: str, shipment_id: str, *items: tuple[str, int]) -> dict:
    return {
        "order_id": order_id,
        "shipment_id": shipment_id,
        "seller_id": "s",
        "buyer_id": "b",
        "reason": "damaged",
        "items": [{"book_id": b, "quantity": q} for b, q in items],
        "refund_amount": "5.00",
    }


def test_reviews_make_the_sellers_rating_on_profile_and_books(
    client: FlaskClient, seller: Seller, database_url: str
) -> None:
    book = seller.create(stock=2)
    assert book["seller_rating"] == {"average": None, "count": 0}
    first = review(seller.id, 5, "Lovely copy")
    handle(database_url, "review.posted", first)
    handle(database_url, "review.posted", first)  # a distinct delivery of the same review
    handle(database_url, "review.posted", review(seller.id, 4))
    delivered = {
        "order_id": "o",
        "shipment_id": "s1",
        "seller_id": seller.id,
        "buyer_id": "b",
        "carrier": "UPS",
        "tracking_number": "1Z0001",
    }
    handle(database_url, "shipment.delivered", delivered)

    profile = client.get(f"/api/sellers/{seller.id}").get_json()
    assert profile["name"] == "Ada Seller" and profile["member_since"].endswith("Z")
    assert profile["rating"] == {"average": 4.5, "count": 2}
    assert profile["sales_count"] == 1 and profile["listings_count"] == 1
    assert [r["rating"] for r in profile["recent_reviews"]] == [4, 5]
    assert profile["recent_reviews"][1]["comment"] == "Lovely copy"
    assert profile["recent_reviews"][1]["buyer_name"] == "Ada Reader"
    page = client.get(f"/api/sellers/{seller.id}/reviews?per_page=1").get_json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["items"][0]["rating"] == 4
    shown = client.get(f"/api/books/{book['id']}").get_json()
    assert shown["seller_rating"] == {"average": 4.5, "count": 2}
    listed = client.get(f"/api/books?seller_id={seller.id}").get_json()
    assert listed["items"][0]["seller_rating"]["count"] == 2


def test_an_unknown_seller_is_a_404(client: FlaskClient) -> None:
    for path in ("", "/reviews"):
        missing = client.get(f"/api/sellers/{uuid.uuid4()}{path}")
        assert missing.status_code == 404
        assert missing.get_json()["error"]["code"] == "not_found"


def test_a_cancelled_shipment_gives_its_stock_back_once_and_the_order_the_rest(
    client: FlaskClient, seller: Seller, database_url: str
) -> None:
    kept, returned = seller.create(stock=5)["id"], seller.create(stock=5)["id"]
    order_id, shipment_id = str(uuid.uuid4()), str(uuid.uuid4())
    handle(database_url, "order.placed", placed(order_id, (kept, 2), (returned, 3)))
    back = cancelled_shipment(order_id, shipment_id, (returned, 3))
    handle(database_url, "shipment.cancelled", back)
    handle(database_url, "shipment.cancelled", back)  # a distinct duplicate: nothing more
    stock = {b: client.get(f"/api/books/{b}").get_json()["stock"] for b in (kept, returned)}
    assert stock == {kept: 3, returned: 5}
    cancelled = {"order_id": order_id, "buyer_id": "b", "reason": "x", "stock_was_reserved": True}
    handle(database_url, "order.cancelled", cancelled)  # the rest of the order comes back
    stock = {b: client.get(f"/api/books/{b}").get_json()["stock"] for b in (kept, returned)}
    assert stock == {kept: 5, returned: 5}
