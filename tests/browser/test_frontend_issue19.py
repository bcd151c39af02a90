"""Issue 19 in a real Chromium against the whole system: sessions that last (refresh tokens) and
forms that survive a sign-in, one checkout is one purchase, decimal commas, password reset by
e-mail, a live and consistent order page with "try another card", the cart capped at the stock,
checkout fields that help, phone layout, a guest cart, seller and condition, catalogue paging and
filters, long titles."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_frontend_shop import PASSWORD, fill_checkout, register
from tests.support.system import System, auth_header
from web_frontend.config import DEV_SECRET

pytestmark = pytest.mark.browser
COOKIE = "bookstore_session"


def _serializer(system: System) -> Any:
    app = Flask("forge")
    app.secret_key = system.env.get("FRONTEND_SECRET_KEY", DEV_SECRET)
    return SecureCookieSessionInterface().get_signing_serializer(app)


def edit_session(page: Page, system: System, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite the browser's signed session cookie (as the passing of time would)."""
    [cookie] = [c for c in page.context.cookies() if c["name"] == COOKIE]
    serializer = _serializer(system)
    data = serializer.loads(cookie["value"])
    change(data)
    page.context.add_cookies([{**cookie, "value": serializer.dumps(data)}])  # type: ignore[list-item]


def session_of(page: Page, system: System) -> dict[str, Any]:
    [cookie] = [c for c in page.context.cookies() if c["name"] == COOKIE]
    return dict(_serializer(system).loads(cookie["value"]))


def expire_access(data: dict[str, Any]) -> None:
    data["expires_at"] = 0


def test_an_active_shopper_is_renewed_silently_and_a_form_survives_the_end_of_a_session(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    page = new_page()
    email = register(page, system, "Rena Renewed")
    before = session_of(page, system)
    edit_session(page, system, expire_access)  # 15 minutes later, still browsing
    page.goto(system.frontend_url + "/orders")
    expect(page.get_by_role("heading", level=1)).to_have_text("My orders")
    after = session_of(page, system)
    assert after["token"] != before["token"] and after["refresh_token"] != before["refresh_token"]

    book = shelf[0]
    page.goto(f"{system.frontend_url}/books/{book['id']}")
    page.get_by_role("button", name="Buy now").click()
    fill_checkout(page, "4242 4242 4242 4242")
    page.get_by_label("Address line 2").fill("Flat 3")

    def ended(data: dict[str, Any]) -> None:  # the refresh token is gone too (revoked)
        data["expires_at"], data["refresh_token"] = 0, "revoked-" + uuid.uuid4().hex

    edit_session(page, system, ended)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(page.get_by_text("We kept what you entered")).to_be_visible()
    expect(page.get_by_label("Address", exact=True)).to_have_value("12 Library Lane")
    expect(page.get_by_label("Address line 2")).to_have_value("Flat 3")
    expect(page.get_by_label("City")).to_have_value("Portland")
    expect(page.get_by_label("Card number")).to_have_value("")
    expect(page.get_by_label("CVC")).to_have_value("")
    expect(page.locator(".summary")).to_contain_text(book["title"])


def test_back_then_pay_again_is_refused_until_the_shopper_confirms_buying_again(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    page = new_page()
    register(page, system, "Bea Twice")
    page.goto(f"{system.frontend_url}/books/{shelf[2]['id']}")
    page.get_by_role("button", name="Buy now").click()
    checkout_url = page.url
    fill_checkout(page, "4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.locator(".banner-live")).to_be_visible()
    order_url = page.url
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(page.get_by_text("You already placed this order")).to_be_visible()
    fill_checkout(page, "4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_text("You already placed this order")).to_be_visible()
    expect(page.get_by_role("link", name="See your order")).to_have_attribute(
        "href", re.compile(re.escape(order_url.split(system.frontend_url)[1]) + "$")
    )
    page.get_by_role("link", name="My orders", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.goto(checkout_url)
    fill_checkout(page, "4242 4242 4242 4242")
    page.get_by_label("Yes, buy it again").check()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.locator(".banner-live")).to_be_visible()
    assert page.url != order_url
    page.get_by_role("link", name="My orders", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(2)


def test_a_price_typed_with_a_decimal_comma_is_that_price(
    system: System, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    register(page, system, "Carla Comma")
    page.get_by_role("link", name="Sell a book").click()
    page.get_by_label("Title").fill(f"Comma {uuid.uuid4().hex[:6]}")
    page.get_by_label("Author").fill("A. Uthor")
    page.get_by_label("Price (USD)").fill("8,50")
    page.get_by_label("Copies in stock").fill("1")
    page.get_by_role("button", name="Put it on sale").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Comma")
    expect(page.get_by_text("$8.50", exact=True)).to_be_visible()


def test_a_forgotten_password_is_reset_through_the_emailed_link(
    system: System, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    email = register(page, system, "Fern Forgetful")
    other = new_page()  # another signed-in browser: signed out by the reset
    other.goto(system.frontend_url + "/login")
    other.get_by_label("Email").fill(email)
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name=re.compile("^Log out")).click()
    page.goto(system.frontend_url + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator(".flash-success")).to_contain_text(f"If an account uses {email}")
    link = _reset_link(system, email)
    page.goto(link)
    page.get_by_label("New password").fill("a fresh new passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".flash-success")).to_contain_text("Your password is changed")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a fresh new passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_contain_text("Signed in as Fern Forgetful")
    other.goto(system.frontend_url + "/orders")
    expect(other.get_by_role("heading", level=1)).to_have_text("Log in")
    page.goto(link)  # used: refused
    page.get_by_label("New password").fill("yet another passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".flash-error")).to_contain_text("invalid, already used or expired")


def _reset_link(system: System, email: str) -> str:
    """The link of the reset e-mail, read from the local mail catcher (it arrives within 2 s)."""
    url = f"http://127.0.0.1:{system.ports.mail_http}/api/messages"
    deadline = time.monotonic() + 30  # a bound for a wedged run, not a latency assertion
    while time.monotonic() < deadline:
        items = requests.get(url, params={"to": email}, timeout=5).json()["items"]
        for item in items:
            if found := re.search(r"https?://\S+/reset-password\?token=[\w%-]+", item["text"]):
                assert "token" not in item["subject"].lower()
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no reset e-mail for {email}")


def test_a_throttled_sign_in_says_when_to_retry(
    system: System, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    email = register(page, system, "Theo Throttled")
    page.get_by_role("button", name=re.compile("^Log out")).click()
    for _ in range(5):
        page.goto(system.frontend_url + "/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("not my password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"Please try again in \d+ minutes?, or reset your password")
    )
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()


def test_a_failed_payment_offers_another_card_with_the_books_back_in_the_cart(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    page = new_page()
    register(page, system, "Cath Capture")
    page.goto(f"{system.frontend_url}/books/{shelf[4]['id']}")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Checkout").click()
    fill_checkout(page, "4000 0000 0000 0341")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    live = page.locator("#order-live")
    expect(live.locator(".order-status-head .status")).to_have_text("Cancelled", timeout=30_000)
    expect(live).to_contain_text("did not go through")
    expect(live).not_to_contain_text("Thank you")
    expect(live.locator(".payment-status")).to_have_text("failed")
    live.get_by_role("button", name="Try another card").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(page.locator(".summary")).to_contain_text(shelf[4]["title"])
    fill_checkout(page, "4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.locator("#order-live .order-status-head .status")).to_have_text(
        re.compile("Paid|Shipped|Delivered"), timeout=30_000
    )


def test_the_cart_is_capped_at_the_stock_and_shows_seller_and_condition(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    page = new_page()
    register(page, system, "Quin Quantity")
    book = shelf[5]
    page.goto(f"{system.frontend_url}/books/{book['id']}")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_label(f"Quantity of {book['title']}").fill("5")
    page.get_by_role("button", name="Update").click()
    expect(page.locator(".flash-warning")).to_contain_text("Only 2 copies are available")
    expect(page.get_by_label(f"Quantity of {book['title']}")).to_have_value("2")
    expect(page.get_by_text("No longer available")).to_have_count(0)
    expect(page.locator(".total")).to_have_text("$15.50")
    expect(page.locator(".item-meta")).to_have_text("Very good · sold by Marguerite Booksellers")
    page.get_by_role("link", name="Checkout").click()
    expect(page.locator(".summary .item-meta")).to_contain_text("sold by Marguerite Booksellers")


def test_checkout_fields_help_and_the_first_error_gets_the_focus(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    page = new_page()
    register(page, system, "Una Kingdom")
    page.goto(f"{system.frontend_url}/books/{shelf[1]['id']}")
    page.get_by_role("button", name="Buy now").click()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()  # all empty
    expect(page.get_by_label("Address", exact=True)).to_be_focused()
    errors = page.locator(".field .error").all_inner_texts()
    assert errors and all(e[0].isupper() and e.endswith(".") for e in errors), errors
    page.get_by_label("Country").select_option(label="United Kingdom")
    page.get_by_label("Address", exact=True).fill("1 Baker Street")
    page.get_by_label("City").fill("London")
    page.get_by_label("Postal code").fill("NW1 6XE")
    page.get_by_label("Card number").press_sequentially("4242424242424242")
    expect(page.get_by_label("Card number")).to_have_value("4242 4242 4242 4242")
    page.get_by_label("Expiry month").fill("07")
    page.get_by_label("Expiry year").fill("30")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.locator("#order-live")).to_be_visible()
    expect(page.locator("address")).to_contain_text("United Kingdom")


def test_on_a_phone_the_summary_comes_first_and_the_filters_fold(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    page = new_page(PHONE)
    register(page, system, "Phil Phone")
    page.goto(f"{system.frontend_url}/books/{shelf[0]['id']}")
    page.get_by_role("button", name="Buy now").click()
    summary = page.locator(".summary").bounding_box()
    pay = page.get_by_role("button", name=re.compile(r"^Pay ")).bounding_box()
    assert summary and pay and summary["y"] < pay["y"]
    page.goto(system.frontend_url + "/")
    category = page.locator("form.filters #category")
    expect(category).to_be_hidden()
    page.get_by_role("button", name="Filters and sort").click()
    expect(category).to_be_visible()
    box = category.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_a_guest_fills_a_cart_and_keeps_it_when_signing_in(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    page = new_page()
    email = register(page, system, "Gina Guest")
    page.get_by_role("button", name=re.compile("^Log out")).click()
    page.goto(f"{system.frontend_url}/books/{shelf[3]['id']}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("link", name=shelf[3]["title"])).to_be_visible()
    page.get_by_role("link", name="Sign in and check out").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(page.locator(".summary")).to_contain_text(shelf[3]["title"])
    expect(page.locator(".summary .item-meta")).to_contain_text("Acceptable")


def test_paging_past_the_end_active_filters_and_long_titles(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    _, token = system.register_and_login("Lenny Longtitle")
    title = "Supercalifragilistic" * 8
    created = requests.post(
        system.api("/api/books"),
        headers=auth_header(token),
        json={
            "title": title,
            "author": "L",
            "condition": "good",
            "price": "3.00",
            "stock": 1,
            "category": "Poetry",
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    page = new_page()
    page.goto(system.frontend_url + "/?category=Classics&page=999")
    assert re.search(r"[?&]page=\d+", page.url) and "page=999" not in page.url
    expect(page.locator(".book-card").first).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Classics")
    page.get_by_role("link", name="Remove the filter Classics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find your next good read")
    page.goto(system.frontend_url + "/?category=Poetry")
    card = page.locator(".book-card").filter(has_text="Supercali").first
    overflow = card.evaluate("c => c.scrollWidth > c.clientWidth + 1")
    assert overflow is False
