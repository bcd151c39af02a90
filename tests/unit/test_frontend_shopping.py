# ruff: noqa: F811  (pytest fixtures imported from test_frontend_pages are parameters here)
"""Issue 19's shop fixes through Flask's test client against the fake API: one checkout is one
purchase, the order page follows the live status, a failed payment offers another card, the cart
is capped at the stock, checkout fields that help, a guest cart merged at sign-in, and the
marketplace details (seller, condition) on cart, checkout and order pages."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.support.fake_gateway import Store
from tests.unit.test_frontend_pages import (  # noqa: F401  (fixtures)
    ADDRESS,
    app,
    book_id,
    buyer,
    csrf,
    post,
    seller,
    store,
)

CARD = "4242 4242 4242 4242"


def cart_books(store: Store, email: str) -> list[str]:
    [user_id] = [u["id"] for u in store.users.values() if u["email"] == email]
    return list(store.carts.get(user_id, {}))


def buy_now(buyer: FlaskClient, book_id: str, key: str, **extra: str):  # type: ignore[no-untyped-def]
    data = {
        **ADDRESS,
        "card_number": CARD,
        "book_id": book_id,
        "quantity": "1",
        "idempotency_key": key,
        **extra,
    }
    return post(buyer, "/checkout", data)


def test_back_and_pay_again_does_not_order_twice_unless_confirmed(
    store: Store, buyer: FlaskClient, book_id: str
) -> None:
    first = buy_now(buyer, book_id, "key-1")
    assert first.status_code == 303 and len(store.orders) == 1
    again = buy_now(buyer, book_id, "key-1")  # the same submission (reload, double click)
    assert again.headers["Location"] == first.headers["Location"] and len(store.orders) == 1
    back = buyer.get(f"/checkout?book_id={book_id}&quantity=1")  # Back shows the checkout
    assert "You already placed this order" in back.text
    assert first.headers["Location"] in back.text
    second = buy_now(buyer, book_id, "key-2")  # ... and Pay again
    assert second.status_code == 409 and len(store.orders) == 1
    assert "You already placed this order" in second.text and 'name="buy_again"' in second.text
    confirmed = buy_now(buyer, book_id, "key-3", buy_again="y")
    assert confirmed.status_code == 303 and len(store.orders) == 2


def test_a_failed_order_is_not_a_purchase_and_offers_another_card(
    store: Store, buyer: FlaskClient, book_id: str
) -> None:
    first = buy_now(buyer, book_id, "key-1", card_number="4000 0000 0000 0341")
    order_id = first.headers["Location"].rsplit("/", 1)[-1]
    store.orders[order_id]["payment"]["status"] = "failed"
    store.advance(order_id, "cancelled", "payment capture failed")
    page = buyer.get(f"/orders/{order_id}").text
    assert "Thank you" not in page and "did not go through" in page
    assert "Try another card" in page and "nothing was charged" in page
    retry = post(buyer, f"/orders/{order_id}/retry", {})
    assert retry.status_code == 303 and retry.headers["Location"] == "/checkout"
    assert cart_books(store, "bob@example.com") == [book_id]
    assert buy_now(buyer, book_id, "key-2").status_code == 303  # not "already placed"


def test_the_order_page_banner_and_payment_follow_the_live_status(
    store: Store, buyer: FlaskClient, book_id: str
) -> None:
    order_id = buy_now(buyer, book_id, "key-1").headers["Location"].rsplit("/", 1)[-1]
    assert "Thank you! Your order is placed." in buyer.get(f"/orders/{order_id}").text
    store.orders[order_id]["payment"]["status"] = "captured"
    store.advance(order_id, "paid")
    store.advance(order_id, "shipped")
    store.advance(order_id, "delivered")
    live = buyer.get(f"/orders/{order_id}/timeline.json").json["html"]
    assert "delivered" in live.lower() and "captured" in live and "authorized" not in live
    assert "Thank you! Your order is placed." not in live


def test_the_cart_is_capped_at_the_stock_with_a_notice(
    store: Store, buyer: FlaskClient, book_id: str
) -> None:
    response = post(buyer, "/cart", {"book_id": book_id, "quantity": "5", "action": "update"})
    assert response.status_code == 303
    page = buyer.get("/cart").text
    assert "Only 3 copies are available: your cart now holds 3" in page
    assert 'value="3"' in page and "No longer available" not in page and "$37.50" in page


def test_checkout_offers_a_country_list_mm_yy_expiry_and_full_sentence_errors(
    store: Store, buyer: FlaskClient, book_id: str
) -> None:
    page = buyer.get(f"/checkout?book_id={book_id}&quantity=1").text
    assert '<option value="GB">United Kingdom</option>' in page
    assert 'placeholder="MM"' in page and 'placeholder="YY"' in page
    assert 'inputmode="numeric"' in page
    ok = buy_now(buyer, book_id, "k", exp_month="07", exp_year="30", country="GB")
    assert ok.status_code == 303
    sent = [r for r in store.requests if r["path"] == "/api/orders"][-1]["json"]
    assert sent["payment"]["exp_month"] == 7 and sent["payment"]["exp_year"] == 2030
    assert sent["shipping_address"]["country"] == "GB"
    assert "United Kingdom" in buyer.get(ok.headers["Location"]).text  # named on the order
    bad = post(buyer, "/checkout", {"book_id": book_id, "quantity": "1", "exp_year": "3"})
    assert bad.status_code == 422
    errors = re.findall(r'<p class="error" id="[a-z_0-9]+-error">([^<]+)</p>', bad.text)
    assert errors and all(e[0].isupper() and e.rstrip().endswith(".") for e in errors)


def test_a_guest_cart_is_kept_in_the_session_and_merged_at_sign_in(
    app: Flask, store: Store, buyer: FlaskClient, book_id: str
) -> None:
    guest = app.test_client()
    added = post(guest, "/cart", {"book_id": book_id, "quantity": "2", "action": "add"})
    assert added.status_code == 303
    page = guest.get("/cart").text
    assert "Dune" in page and "$25.00" in page and "Sign in and check out" in page
    assert "sold by Sally" in page and "Very good" in page
    checkout = guest.get("/checkout")
    assert checkout.status_code == 303 and checkout.headers["Location"].startswith("/login")
    signed_in = post(
        guest, "/login", {"email": "bob@example.com", "password": "password1", "next": "/checkout"}
    )
    assert signed_in.status_code == 303
    assert cart_books(store, "bob@example.com") == [book_id]
    summary = guest.get("/checkout").text
    assert "Dune" in summary and "sold by Sally" in summary and "$25.00" in summary


def test_seller_and_condition_are_shown_in_cart_checkout_and_order(
    store: Store, buyer: FlaskClient, book_id: str
) -> None:
    post(buyer, "/cart", {"book_id": book_id, "quantity": "1", "action": "add"})
    assert "sold by Sally" in buyer.get("/cart").text
    assert "Very good · sold by Sally" in buyer.get("/checkout").text
    order = buy_now(buyer, book_id, "k").headers["Location"]
    assert "Very good · sold by Sally" in buyer.get(order).text


def test_a_price_with_a_decimal_comma_is_that_price_never_a_hundred_times_more(
    store: Store, seller: FlaskClient
) -> None:
    fields = {"title": "Dune", "author": "F. H.", "category": "Fiction", "condition": "good"}
    page = seller.get("/sell").text
    assert re.search(r'<input[^>]*id="price"[^>]*type="text"', page)
    assert 'inputmode="decimal"' in page
    listed = post(
        seller,
        "/sell",
        {**fields, "stock": "1", "price": "8,50"},
        content_type="multipart/form-data",
    )
    assert listed.status_code == 303
    assert [b["price"] for b in store.books.values()] == ["8.50"]
    for unreadable in ("1,000", "8.50.1", "eight"):
        refused = post(
            seller,
            "/sell",
            {**fields, "stock": "1", "price": unreadable},
            content_type="multipart/form-data",
        )
        assert refused.status_code == 422 and "Enter the price like 8.50" in refused.text
    assert len(store.books) == 1


def test_price_filters_read_a_decimal_comma(app: Flask, store: Store) -> None:
    app.test_client().get("/?min_price=2,5&max_price=8,50")
    sent = [r for r in store.requests if r["path"] == "/api/books"][-1]["args"]
    assert sent["min_price"] == "2.50" and sent["max_price"] == "8.50"


def test_a_page_past_the_last_goes_to_the_last_page_keeping_the_filters(
    app: Flask, store: Store, book_id: str
) -> None:
    response = app.test_client().get("/?category=Fiction&page=999")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?category=Fiction&page=1"


def test_active_filters_are_shown_in_the_heading_and_each_can_be_removed(
    app: Flask, store: Store, book_id: str
) -> None:
    page = app.test_client().get("/?category=Fiction&condition=very_good&max_price=20").text
    assert "<h1>Fiction · Very good · up to $20</h1>" in page
    assert "match your filters" in page or "matches your filters" in page
    assert 'href="/?condition=very_good&amp;max_price=20"' in page  # without the category
    assert 'aria-label="Remove the filter Fiction"' in page
    plain = app.test_client().get("/").text
    assert "Find your next good read" in plain and "active-filters" not in plain
