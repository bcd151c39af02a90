"""The frontend's pages and forms through Flask's test client, against the in-memory fake API."""

from __future__ import annotations

import html
import io
import re

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from shared.contract.catalogue import CATEGORIES, CONDITIONS, LANGUAGES
from tests.support.fake_gateway import Store, attach
from web_frontend import create_app
from web_frontend.config import from_env

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ADDRESS = {
    "name": "Bob Buyer",
    "line1": "1 Main Street",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
    "holder": "Bob Buyer",
    "exp_month": "12",
    "exp_year": "2031",
    "cvc": "123",
}


@pytest.fixture
def app() -> Flask:
    return create_app(from_env({"LOG_LEVEL": "WARNING", "FRONTEND_SECRET_KEY": "test"}))


@pytest.fixture
def store(app: Flask) -> Store:
    return attach(app)


def csrf(client: FlaskClient, path: str = "/login") -> str:
    match = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        client.get(path, follow_redirects=True).text,
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client: FlaskClient, path: str, data: dict, **kwargs) -> object:
    """A form post the way a browser sends it: with the page's CSRF token."""
    return client.post(path, data={**data, "csrf_token": csrf(client)}, **kwargs)


def sign_up(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    email = f"{name.lower()}@example.com"
    response = post(client, "/register", {"name": name, "email": email, "password": "password1"})
    assert response.status_code == 303, response.text
    return client


def list_book(client: FlaskClient, **fields) -> str:
    data = {
        "title": "Dune",
        "author": "Frank Herbert",
        "category": "Fiction",
        "condition": "very_good",
        "price": "12.50",
        "stock": "3",
        **fields,
    }
    response = post(client, "/sell", data, content_type="multipart/form-data")
    assert response.status_code == 303, response.text
    return response.headers["Location"].rsplit("/", 1)[-1]


@pytest.fixture
def seller(app: Flask, store: Store) -> FlaskClient:
    return sign_up(app, "Sally")


@pytest.fixture
def buyer(app: Flask, store: Store) -> FlaskClient:
    return sign_up(app, "Bob")


@pytest.fixture
def book_id(seller: FlaskClient) -> str:
    return list_book(seller)


def place_order(buyer: FlaskClient, card: str = "4242 4242 4242 4242", **extra) -> object:
    return post(buyer, "/checkout", {**ADDRESS, "card_number": card, **extra})


# Catalogue


def test_home_shows_cards_with_placeholder_cover_price_condition_and_seller(
    app: Flask, book_id: str
) -> None:
    page = app.test_client().get("/").text
    assert "Dune" in page and "Frank Herbert" in page and "$12.50" in page
    assert "Very good" in page and "Sold by Sally" in page
    assert 'aria-label="No cover for Dune"' in page


def test_home_passes_search_filters_sort_and_page_to_the_api(
    app: Flask, store: Store, book_id: str
) -> None:
    client = app.test_client()
    query = "q=dune&category=Fiction&condition=very_good&min_price=1&max_price=20&sort=price_asc"
    assert "Dune" in client.get(f"/?{query}&page=1&unknown=x").text
    sent = [r for r in store.requests if r["path"] == "/api/books"][-1]["args"]
    assert sent == {
        "q": "dune",
        "category": "Fiction",
        "condition": "very_good",
        "min_price": "1",
        "max_price": "20",
        "sort": "price_asc",
        "facets": "true",
        "page": "1",
        "per_page": "12",
    }
    assert "No books match" in client.get("/?q=nothing-like-this").text


def test_home_links_to_the_next_page_keeping_the_filters(app: Flask, seller: FlaskClient) -> None:
    for n in range(13):
        list_book(seller, title=f"Volume {n}")
    page = app.test_client().get("/?category=Fiction").text
    assert "Page 1 of 2" in page
    assert 'href="/?category=Fiction&amp;page=2"' in page


def test_home_explains_invalid_filters_instead_of_failing(app: Flask, store: Store) -> None:
    response = app.test_client().get("/?min_price=abc")
    assert response.status_code == 200
    assert "These filters are not valid" in response.text


def test_a_book_titled_with_a_script_tag_is_shown_as_text(app: Flask, seller: FlaskClient) -> None:
    book_id = list_book(seller, title="<script>alert('x')</script>")
    for page in (app.test_client().get(f"/books/{book_id}").text, app.test_client().get("/").text):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert" in page


def test_book_page_shows_edit_and_delete_to_its_seller_and_buy_buttons_to_others(
    app: Flask, seller: FlaskClient, buyer: FlaskClient, book_id: str
) -> None:
    own = seller.get(f"/books/{book_id}").text
    assert "Edit" in own and "Delete" in own and "Add to cart" not in own
    other = buyer.get(f"/books/{book_id}").text
    assert "Add to cart" in other and "Buy now" in other and ">Delete<" not in other
    anonymous = app.test_client().get(f"/books/{book_id}").text
    assert "Add to cart" in anonymous and "sign in (or create an account) at checkout" in anonymous


def test_an_unknown_book_is_a_friendly_404_page(app: Flask, store: Store) -> None:
    response = app.test_client().get("/books/does-not-exist")
    assert response.status_code == 404
    assert response.mimetype == "text/html" and "Page not found" in response.text


# Accounts


def test_register_signs_in_with_an_httponly_samesite_lax_session_cookie(
    app: Flask, store: Store
) -> None:
    client = app.test_client()
    response = post(
        client, "/register", {"name": "Ann", "email": "ann@example.com", "password": "password1"}
    )
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Log out (Ann)" in client.get("/").text


def test_session_cookie_is_secure_when_the_page_is_served_over_https(
    app: Flask, store: Store
) -> None:
    client = app.test_client()
    page = client.get("/register", base_url="https://shop.example").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/register",
        base_url="https://shop.example",
        headers={"Referer": "https://shop.example/register"},
        data={
            "name": "Ann",
            "email": "ann@example.com",
            "password": "password1",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_form_posted_after_the_session_expired_asks_to_sign_in_and_comes_back(
    app: Flask, store: Store, buyer: FlaskClient, book_id: str
) -> None:
    token = csrf(buyer)
    store.tokens.clear()
    response = buyer.post(
        "/cart",
        data={"book_id": book_id, "quantity": "1", "action": "add", "csrf_token": token},
        headers={"Referer": f"http://localhost/books/{book_id}"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/login?next=/books/{book_id}"


def test_register_shows_a_taken_email_next_to_the_field(app: Flask, seller: FlaskClient) -> None:
    response = post(
        app.test_client(),
        "/register",
        {"name": "Sal", "email": "sally@example.com", "password": "password1"},
    )
    assert response.status_code == 409
    assert 'id="email-error"' in response.text and "already exists" in response.text


def test_register_checks_the_form_before_calling_the_api(app: Flask, store: Store) -> None:
    response = post(
        app.test_client(), "/register", {"name": "", "email": "nope", "password": "short"}
    )
    assert response.status_code == 422
    assert 'id="name-error"' in response.text and 'id="password-error"' in response.text
    assert not [r for r in store.requests if r["path"] == "/api/auth/register"]


def test_wrong_password_is_refused_with_the_api_message(app: Flask, seller: FlaskClient) -> None:
    response = post(
        app.test_client(), "/login", {"email": "sally@example.com", "password": "wrong-one"}
    )
    assert response.status_code == 401 and "Wrong email or password" in response.text


@pytest.mark.parametrize(
    "target, expected",
    [("/orders", "/orders"), ("https://evil.example/", "/"), ("//evil.example", "/")],
)
def test_login_goes_back_to_a_same_site_next_page_only(
    app: Flask, seller: FlaskClient, target: str, expected: str
) -> None:
    response = post(
        app.test_client(),
        "/login",
        {"email": "sally@example.com", "password": "password1", "next": target},
    )
    assert response.status_code == 303 and response.headers["Location"] == expected


def test_logout_revokes_the_token_through_the_api_and_private_pages_are_gone(
    app: Flask, store: Store, buyer: FlaskClient
) -> None:
    assert buyer.get("/orders").status_code == 200
    assert len(store.tokens) == 1
    response = post(buyer, "/logout", {})
    assert response.status_code == 303
    assert store.tokens == {}
    after = buyer.get("/orders")
    assert after.status_code == 303 and after.headers["Location"].startswith("/login?next=")


def test_pages_are_never_cached(app: Flask, buyer: FlaskClient) -> None:
    assert buyer.get("/orders").headers["Cache-Control"] == "no-store"
    assert app.test_client().get("/").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/logout", "/cart", "/sell", "/checkout", "/my/books"])
def test_a_form_post_without_its_csrf_token_is_refused(
    app: Flask, buyer: FlaskClient, path: str
) -> None:
    response = buyer.post(path, data={"book_id": "x", "quantity": "1"})
    assert response.status_code == 400
    assert "This form has expired" in response.text


def test_an_expired_session_sends_the_user_back_to_log_in(
    app: Flask, store: Store, buyer: FlaskClient
) -> None:
    store.tokens.clear()  # the token was revoked or expired at the API
    response = buyer.get("/cart")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert "Log in" in buyer.get(response.headers["Location"]).text


# Selling


def test_sell_shows_the_api_validation_messages_next_to_their_fields(
    app: Flask, seller: FlaskClient
) -> None:
    response = post(
        seller,
        "/sell",
        {
            "title": "Dune",
            "author": "F. H.",
            "category": "Fiction",
            "condition": "good",
            "price": "5",
            "stock": "1",
            "isbn": "12345",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert re.search(r'id="isbn-error">[^<]*not a valid ISBN', response.text)
    assert 'value="Dune"' in response.text


def test_sell_refuses_a_price_with_more_than_two_decimals_before_asking_the_api(
    app: Flask, store: Store, seller: FlaskClient
) -> None:
    fields = {
        "title": "Dune",
        "author": "F. H.",
        "category": "Fiction",
        "condition": "good",
        "stock": "1",
    }
    for price, message in (("12.345", "At most two decimals"), ("0", "Must be from 0.01")):
        response = post(
            seller, "/sell", {**fields, "price": price}, content_type="multipart/form-data"
        )
        assert response.status_code == 422
        assert re.search(rf'id="price-error">{message}', response.text)
    assert store.books == {}


def test_sell_uploads_the_cover_and_every_page_shows_it(
    app: Flask, store: Store, seller: FlaskClient
) -> None:
    book_id = list_book(seller, cover=(io.BytesIO(PNG), "cover.png"))
    assert store.covers[book_id] == (PNG, "image/png")
    page = app.test_client().get(f"/books/{book_id}").text
    assert f'src="/books/{book_id}/cover"' in page and 'alt="Cover of Dune"' in page
    image = app.test_client().get(f"/books/{book_id}/cover")
    assert image.status_code == 200 and image.data == PNG and image.mimetype == "image/png"


def test_sell_refuses_a_cover_that_is_not_an_image(
    app: Flask, store: Store, seller: FlaskClient
) -> None:
    response = post(
        seller,
        "/sell",
        {
            "title": "Dune",
            "author": "F. H.",
            "category": "Fiction",
            "condition": "good",
            "price": "5",
            "stock": "1",
            "cover": (io.BytesIO(b"not an image"), "cover.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and 'id="cover-error"' in response.text
    assert store.books == {}


def test_my_listings_show_stock_which_the_seller_changes_in_place(
    app: Flask, store: Store, seller: FlaskClient, book_id: str
) -> None:
    assert 'value="3"' in seller.get("/my/books").text
    response = post(seller, "/my/books", {"book_id": book_id, "stock": "0"})
    assert response.status_code == 303 and store.books[book_id]["stock"] == 0
    assert "Sold out" in seller.get("/my/books").text


def test_edit_updates_the_listing_and_delete_removes_it(
    app: Flask, store: Store, seller: FlaskClient, book_id: str
) -> None:
    form = seller.get(f"/books/{book_id}/edit").text
    assert 'value="12.50"' in form and 'value="Frank Herbert"' in form
    response = post(
        seller,
        f"/books/{book_id}/edit",
        {
            "title": "Dune Messiah",
            "author": "Frank Herbert",
            "category": "Fiction",
            "condition": "good",
            "price": "9.99",
            "stock": "2",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert store.books[book_id]["title"] == "Dune Messiah"
    assert store.books[book_id]["price"] == "9.99"
    assert post(seller, f"/books/{book_id}/delete", {}).status_code == 303
    assert book_id not in store.books


def test_someone_else_cannot_edit_a_listing(buyer: FlaskClient, book_id: str) -> None:
    response = buyer.get(f"/books/{book_id}/edit")
    assert response.status_code == 403 and "Not yours" in response.text


# Cart and checkout


def test_cart_shows_quantities_totals_and_notices_for_changed_or_vanished_books(
    app: Flask, store: Store, seller: FlaskClient, buyer: FlaskClient, book_id: str
) -> None:
    other = list_book(seller, title="Emma", price="4.00")
    post(buyer, "/cart", {"book_id": book_id, "quantity": "2", "action": "add"})
    post(buyer, "/cart", {"book_id": other, "quantity": "1", "action": "add"})
    assert "$29.00" in buyer.get("/cart").text
    post(
        seller,
        f"/books/{book_id}/edit",
        {
            "title": "Dune",
            "author": "Frank Herbert",
            "category": "Fiction",
            "condition": "good",
            "price": "15.00",
            "stock": "3",
        },
        content_type="multipart/form-data",
    )
    post(seller, f"/books/{other}/delete", {})
    page = buyer.get("/cart").text
    assert "changed from $12.50 to $15.00" in page
    assert "“Emma” is no longer for sale." in page
    assert "$30.00" in page


def test_cart_quantities_change_and_items_are_removed(
    store: Store, buyer: FlaskClient, book_id: str
) -> None:
    post(buyer, "/cart", {"book_id": book_id, "quantity": "1", "action": "add"})
    post(buyer, "/cart", {"book_id": book_id, "quantity": "3", "action": "update"})
    assert list(store.carts.values())[0][book_id]["quantity"] == 3
    post(buyer, "/cart", {"book_id": book_id, "quantity": "1", "action": "remove"})
    assert "Your cart is empty" in buyer.get("/cart").text


@pytest.mark.parametrize("action", ["remove", "update", "add"])
def test_a_book_id_that_is_not_a_uuid_never_reaches_an_api_path(
    store: Store, seller: FlaskClient, book_id: str, action: str
) -> None:
    store.requests.clear()
    hostile = f"../../books/{book_id}"
    response = post(seller, "/cart", {"book_id": hostile, "quantity": "1", "action": action})
    assert response.status_code == 303
    assert book_id in store.books and store.books[book_id].get("deleted_at") is None
    assert not [r for r in store.requests if ".." in r["path"] or r["method"] == "DELETE"]


def test_a_seller_cannot_put_their_own_book_in_the_cart(seller: FlaskClient, book_id: str) -> None:
    response = post(seller, "/cart", {"book_id": book_id, "quantity": "1", "action": "add"})
    assert response.headers["Location"] == f"/books/{book_id}"
    assert "cannot buy your own book" in seller.get(f"/books/{book_id}").text


def test_checkout_lists_the_test_cards_in_development_mode_only(
    app: Flask, store: Store, buyer: FlaskClient, book_id: str
) -> None:
    post(buyer, "/cart", {"book_id": book_id, "quantity": "1", "action": "add"})
    assert "4000 0000 0000 0002" in buyer.get("/checkout").text
    app.extensions["config"] = type(app.extensions["config"])(
        **{**app.extensions["config"].__dict__, "development": False}
    )
    assert "4000 0000 0000 0002" not in buyer.get("/checkout").text


def test_a_declined_card_shows_its_message_and_keeps_the_address(
    store: Store, buyer: FlaskClient, book_id: str
) -> None:
    post(buyer, "/cart", {"book_id": book_id, "quantity": "1", "action": "add"})
    response = place_order(buyer, "4000 0000 0000 0002")
    assert response.status_code == 402
    assert "Payment declined." in response.text and "The card was declined." in response.text
    assert 'value="1 Main Street"' in response.text
    assert store.orders == {}


def test_checkout_places_the_order_with_an_idempotency_key_and_opens_its_page(
    store: Store, buyer: FlaskClient, book_id: str
) -> None:
    post(buyer, "/cart", {"book_id": book_id, "quantity": "2", "action": "add"})
    response = place_order(buyer, idempotency_key="same-key-twice")
    again = place_order(buyer, idempotency_key="same-key-twice")
    assert response.status_code == again.status_code == 303
    assert response.headers["Location"] == again.headers["Location"]
    assert len(store.orders) == 1
    order = list(store.orders.values())[0]
    assert order["total"] == "25.00" and order["shipping_address"]["country"] == "US"
    page = buyer.get(response.headers["Location"]).text
    assert "Pending" in page and "Cancel order" in page and "ending in 4242" in page


def test_buy_now_orders_just_that_book(store: Store, buyer: FlaskClient, book_id: str) -> None:
    response = post(buyer, "/cart", {"book_id": book_id, "quantity": "2", "action": "buy"})
    assert response.headers["Location"] == f"/checkout?book_id={book_id}&quantity=2"
    assert "$25.00" in buyer.get(response.headers["Location"]).text
    place_order(buyer, book_id=book_id, quantity="2")
    sent = [r for r in store.requests if r["path"] == "/api/orders"][-1]["json"]
    assert sent["items"] == [{"book_id": book_id, "quantity": 2}]


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(buyer: FlaskClient) -> None:
    response = buyer.get("/checkout")
    assert response.status_code == 303 and response.headers["Location"] == "/cart"


# Orders


@pytest.fixture
def order_id(store: Store, buyer: FlaskClient, book_id: str) -> str:
    post(buyer, "/cart", {"book_id": book_id, "quantity": "1", "action": "add"})
    return place_order(buyer).headers["Location"].rsplit("/", 1)[-1]


def test_the_timeline_endpoint_follows_the_order_to_delivered(
    store: Store, buyer: FlaskClient, order_id: str
) -> None:
    first = buyer.get(f"/orders/{order_id}/timeline.json").json
    assert first["status"] == "pending" and first["final"] is False
    for status in ("reserved", "paid", "shipped"):
        store.advance(order_id, status)
    shipped = buyer.get(f"/orders/{order_id}/timeline.json").json
    assert shipped["status"] == "shipped" and "BP123456789" in shipped["html"]
    store.advance(order_id, "delivered")
    done = buyer.get(f"/orders/{order_id}/timeline.json").json
    assert done["final"] is True and "Cancel order" not in done["html"]
    page = buyer.get(f"/orders/{order_id}").text
    assert "data-poll-url" not in page and 'class="tracking">BP123456789' in page


def test_an_order_page_polls_until_its_status_is_final(buyer: FlaskClient, order_id: str) -> None:
    page = buyer.get(f"/orders/{order_id}").text
    assert f'data-poll-url="/orders/{order_id}/timeline.json"' in page
    assert "/static/app.js" in page


def test_a_rejected_order_shows_the_reason(store: Store, buyer: FlaskClient, order_id: str) -> None:
    store.advance(order_id, "rejected", "not enough stock")
    page = buyer.get(f"/orders/{order_id}").text
    assert "Rejected" in page and "not enough stock" in page


def test_cancel_is_offered_until_shipping_and_refused_after(
    store: Store, buyer: FlaskClient, order_id: str
) -> None:
    assert post(buyer, f"/orders/{order_id}/cancel", {}).status_code == 303
    assert store.orders[order_id]["status"] == "cancelled"
    response = post(buyer, f"/orders/{order_id}/cancel", {})
    assert "can no longer be cancelled" in buyer.get(response.headers["Location"]).text


def test_my_orders_and_my_sales_list_both_sides_of_the_order(
    seller: FlaskClient, buyer: FlaskClient, order_id: str
) -> None:
    assert f"#{order_id[:8]}" in buyer.get("/orders").text
    sales = seller.get("/my/sales").text
    assert "Dune" in sales and "$12.50" in sales and "Pending" in sales


def test_someone_elses_order_is_not_found(app: Flask, seller: FlaskClient, order_id: str) -> None:
    assert seller.get(f"/orders/{order_id}").status_code == 404
    assert seller.get(f"/orders/{order_id}/timeline.json").status_code == 404


# Failures and plumbing


class DownTransport(requests.adapters.BaseAdapter):
    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        raise requests.ConnectionError("connection refused")

    def close(self) -> None:
        pass


def test_an_unreachable_gateway_shows_the_service_unavailable_page(app: Flask) -> None:
    gateway = app.extensions["gateway"]
    gateway.session.mount(gateway.base_url, DownTransport())
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "Service unavailable" in response.text and "Traceback" not in response.text


def test_the_request_id_is_forwarded_to_the_gateway(app: Flask, store: Store) -> None:
    app.test_client().get("/", headers={"X-Request-Id": "req-from-the-edge-1"})
    assert {r["request_id"] for r in store.requests} == {"req-from-the-edge-1"}


def test_pages_carry_a_strict_content_security_policy(app: Flask, store: Store) -> None:
    policy = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy


def test_production_refuses_to_start_with_the_development_secret() -> None:
    with pytest.raises(RuntimeError, match="FRONTEND_SECRET_KEY"):
        create_app(from_env({"BOOKSTORE_ENV": "production"}))
    app = create_app(from_env({"BOOKSTORE_ENV": "production", "FRONTEND_SECRET_KEY": "s3cret"}))
    assert app.secret_key == "s3cret"


def test_the_sell_form_offers_exactly_the_apis_categories_and_languages(
    seller: FlaskClient,
) -> None:
    page = seller.get("/sell").text
    offered = [html.unescape(v) for v in re.findall(r'<option (?:selected )?value="([^"]*)"', page)]
    assert [c for c in offered if c in CATEGORIES] == list(CATEGORIES)
    assert {"en", "fr", ""} <= set(offered) and set(offered) <= (
        set(CATEGORIES) | set(LANGUAGES) | set(CONDITIONS) | {""}
    )


def test_a_book_page_names_its_language(seller: FlaskClient, store: Store) -> None:
    book_id = list_book(seller, language="fr", category="Classics")
    assert "<dd>French</dd>" in seller.get(f"/books/{book_id}").text


def test_the_password_the_api_allows_is_allowed_by_the_sign_in_form(
    app: Flask, store: Store
) -> None:
    client = app.test_client()
    long_password = "p" * 1024
    post(
        client,
        "/register",
        {"name": "Long", "email": "long@example.com", "password": long_password},
    )
    post(client, "/logout", {})
    answer = post(client, "/login", {"email": "long@example.com", "password": long_password})
    assert answer.status_code == 303, answer.text
