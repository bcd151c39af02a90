# ruff: noqa: F811  (pytest fixtures imported from test_frontend_pages are parameters here)
"""The frontend keeps an active shopper signed in (refresh tokens), never loses a posted form to
an expired session, says when a throttled sign-in may retry, and resets forgotten passwords;
through Flask's test client against the in-memory fake API."""

from __future__ import annotations

import time

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


def expire_access_token(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session["expires_at"] = int(time.time()) - 1


def test_an_expired_access_token_is_renewed_silently_with_the_refresh_token(
    store: Store, buyer: FlaskClient
) -> None:
    with buyer.session_transaction() as session:
        first_refresh = session["refresh_token"]
    expire_access_token(buyer)
    response = buyer.get("/orders")
    assert response.status_code == 200 and "Bob" in response.text
    assert [r for r in store.requests if r["path"] == "/api/auth/refresh"]
    with buyer.session_transaction() as session:
        assert session["refresh_token"] != first_refresh  # rotated
        assert session["expires_at"] > time.time() + 800
        assert session["token"] in store.tokens


def test_a_session_whose_refresh_token_is_gone_asks_to_sign_in(
    store: Store, buyer: FlaskClient
) -> None:
    store.refresh_tokens.clear()  # revoked at the API (logout elsewhere, password reset)
    expire_access_token(buyer)
    response = buyer.get("/orders")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")


def test_a_checkout_posted_after_the_session_ended_is_shown_again_filled_in_after_signing_in(
    store: Store, buyer: FlaskClient, book_id: str
) -> None:
    checkout = f"/checkout?book_id={book_id}&quantity=1"
    assert buyer.get(checkout).status_code == 200
    token = csrf(buyer, checkout)
    store.tokens.clear()
    store.refresh_tokens.clear()
    expire_access_token(buyer)
    response = buyer.post(
        "/checkout",
        data={
            **ADDRESS,
            "card_number": "4242 4242 4242 4242",
            "book_id": book_id,
            "quantity": "1",
            "csrf_token": token,
        },
        headers={"Referer": f"http://localhost{checkout}"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    assert not store.orders
    signed_in = post(
        buyer,
        "/login",
        {"email": "bob@example.com", "password": "password1", "next": checkout},
    )
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == checkout
    page = buyer.get(checkout).text
    assert "We kept what you entered" in page
    assert 'value="1 Main Street"' in page and 'value="Springfield"' in page
    assert "4242 4242 4242 4242" not in page.split("Test cards")[0]  # the card number is not kept
    assert 'value="123"' not in page  # nor the CVC
    assert "We kept what you entered" not in buyer.get(checkout).text  # shown once


def test_a_throttled_sign_in_says_when_to_retry_and_offers_a_reset(
    app: Flask, store: Store, buyer: FlaskClient
) -> None:
    store.throttle_login = 840
    response = post(
        app.test_client(), "/login", {"email": "bob@example.com", "password": "password1"}
    )
    assert response.status_code == 429
    assert "try again in 14 minutes" in response.text
    assert 'href="/forgot-password"' in response.text


def test_a_forgotten_password_is_reset_with_the_emailed_token(
    app: Flask, store: Store, buyer: FlaskClient
) -> None:
    guest = app.test_client()
    assert 'href="/forgot-password"' in guest.get("/login").text
    asked = post(guest, "/forgot-password", {"email": "bob@example.com"})
    unknown = post(guest, "/forgot-password", {"email": "nobody@example.com"})
    assert asked.status_code == unknown.status_code == 303  # no account enumeration
    assert "If an account uses" in guest.get("/login").text
    [token] = list(store.resets)
    form = guest.get(f"/reset-password?token={token}")
    assert form.status_code == 200 and f'value="{token}"' in form.text
    weak = guest.post(
        "/reset-password",
        data={"token": token, "password": "short", "csrf_token": csrf(guest, "/login")},
    )
    assert weak.status_code == 422 and 'id="password-error"' in weak.text
    done = guest.post(
        "/reset-password",
        data={"token": token, "password": "a new passphrase", "csrf_token": csrf(guest, "/login")},
    )
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    assert buyer.get("/orders").status_code == 303  # every session was revoked
    again = post(guest, "/login", {"email": "bob@example.com", "password": "a new passphrase"})
    assert again.status_code == 303


def test_a_used_or_made_up_reset_link_sends_back_to_ask_for_a_new_one(
    app: Flask, store: Store
) -> None:
    guest = app.test_client()
    response = guest.post(
        "/reset-password",
        data={"token": "made-up", "password": "a new passphrase", "csrf_token": csrf(guest)},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/forgot-password"
    assert guest.get("/reset-password").status_code == 303  # no token at all


def test_the_order_pages_poll_never_spends_the_refresh_token(
    store: Store, buyer: FlaskClient, book_id: str
) -> None:
    post(buyer, "/cart", {"book_id": book_id, "quantity": "1", "action": "add"})
    order = post(buyer, "/checkout", {**ADDRESS, "card_number": "4242 4242 4242 4242"})
    order_id = order.headers["Location"].rsplit("/", 1)[-1]
    with buyer.session_transaction() as session:
        kept = session["refresh_token"]
    expire_access_token(buyer)
    poll = buyer.get(f"/orders/{order_id}/timeline.json")
    assert poll.status_code == 401  # the poller stops; a reload of the page renews
    assert not [r for r in store.requests if r["path"] == "/api/auth/refresh"]
    with buyer.session_transaction() as session:
        assert session["refresh_token"] == kept
    assert buyer.get(f"/orders/{order_id}").status_code == 200


def test_a_kept_form_is_never_shown_to_someone_else_signing_in_on_that_browser(
    app: Flask, store: Store, buyer: FlaskClient, seller: FlaskClient, book_id: str
) -> None:
    checkout = f"/checkout?book_id={book_id}&quantity=1"
    token = csrf(buyer, checkout)
    store.tokens.clear()
    store.refresh_tokens.clear()
    expire_access_token(buyer)
    buyer.post(
        "/checkout",
        data={**ADDRESS, "book_id": book_id, "quantity": "1", "csrf_token": token},
        headers={"Referer": f"http://localhost{checkout}"},
    )
    post(buyer, "/login", {"email": "sally@example.com", "password": "password1"})
    page = buyer.get(checkout).text
    assert "We kept what you entered" not in page and "1 Main Street" not in page
