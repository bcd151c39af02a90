"""A real Chromium drives the shop: sell with a cover, find, buy, watch it delivered, log out."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, cover_png, screenshot, unique_email
from tests.support.system import System

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
# The order page's banner follows the live status: placed, paid, then shipped and delivered.
PLACED = re.compile(r"Thank you! Your order is (placed|paid)|Your order is (shipped|delivered)")


def register(page: Page, system: System, name: str) -> str:
    email = unique_email(name.split()[0])
    page.goto(system.frontend_url + "/register")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Welcome to BookStore, {name}")
    return email


def sell(page: Page, title: str, cover: bytes) -> None:
    page.get_by_role("link", name="Sell a book").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Author").fill("Ursula K. Le Guin")
    page.get_by_label("Category").select_option("Science Fiction")
    page.get_by_label("Condition").select_option("like_new")
    page.get_by_label("Price (USD)").fill("13.50")
    page.get_by_label("Copies in stock").fill("2")
    page.get_by_label("Description").fill("First paperback edition.\nSpine uncreased.")
    page.get_by_label("Cover image").set_input_files(
        files=[{"name": "cover.png", "mimeType": "image/png", "buffer": cover}]
    )
    page.get_by_role("button", name="Put it on sale").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def fill_checkout(page: Page, card: str) -> None:
    page.get_by_label("Address", exact=True).fill("12 Library Lane")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("Postal code").fill("97201")
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill("2031")
    page.get_by_label("CVC").fill("123")


def image_loaded(page: Page, alt: str) -> bool:
    """The image with this alt text is displayed (decoded, not broken)."""
    script = """alt => [...document.images].some(
        img => img.alt === alt && img.complete && img.naturalWidth > 0)"""
    return bool(page.wait_for_function(script, arg=alt, timeout=10_000))


def phone_shot(new_page: Callable[..., Page], cookies: list[Any], url: str, name: str) -> None:
    phone = new_page(PHONE)
    phone.context.add_cookies(cookies)
    phone.goto(url)
    screenshot(phone, f"{name}-phone")


def test_a_book_listed_with_a_cover_is_found_bought_and_watched_until_delivered(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    title = f"The Dispossessed {uuid.uuid4().hex[:4]}"
    seller = new_page()
    register(seller, system, "Sella Vendor")
    seller.goto(system.frontend_url + "/my/settings")  # the simulated carrier ships for her
    seller.get_by_label(re.compile("Auto-ship")).check()
    seller.locator("#selling-settings").get_by_role("button", name="Save").click()
    expect(seller.locator(".flash-success")).to_contain_text("Auto-ship is on")
    sell(seller, title, cover_png("The Dispossessed", (47, 93, 80)))
    assert image_loaded(seller, f"Cover of {title}")

    buyer = new_page()
    register(buyer, system, "Bruno Reader")
    cookies = buyer.context.cookies()
    buyer.goto(system.frontend_url + "/")
    screenshot(buyer, "home-desktop")
    phone_shot(new_page, cookies, buyer.url, "home")
    buyer.get_by_label("Search books").fill(title.split()[-1])
    buyer.get_by_label("Search books").press("Enter")
    expect(buyer.get_by_role("heading", level=1)).to_contain_text("Results for")
    buyer.get_by_role("link", name=title).click()
    expect(buyer.get_by_text("Sella Vendor").first).to_be_visible()
    assert image_loaded(buyer, f"Cover of {title}")
    screenshot(buyer, "book-desktop")
    phone_shot(new_page, cookies, buyer.url, "book")

    buyer.get_by_role("button", name="Add to cart").click()
    expect(buyer.locator(".flash-success")).to_have_text("Added to your cart.")
    expect(buyer.get_by_role("link", name=title)).to_be_visible()
    screenshot(buyer, "cart-desktop")
    phone_shot(new_page, cookies, buyer.url, "cart")

    buyer.get_by_role("link", name="Checkout").click()
    expect(buyer.get_by_text("4242 4242 4242 4242")).to_be_visible()  # development mode
    fill_checkout(buyer, "4242 4242 4242 4242")
    screenshot(buyer, "checkout-desktop")
    phone_shot(new_page, cookies, buyer.url, "checkout")
    buyer.get_by_role("button", name=re.compile(r"^Pay \$13\.50$")).click()

    expect(buyer.locator(".banner-live")).to_contain_text(PLACED)
    order_url = buyer.url
    buyer.evaluate("window.__sameDocument = true")  # gone if the page were reloaded
    status = buyer.locator("#order-live .order-status-head .status")
    expect(status).to_have_text("Delivered", timeout=60_000)
    assert buyer.evaluate("window.__sameDocument") is True, "the timeline needed a reload"
    expect(buyer.locator(".tracking")).to_have_text(re.compile(r"\w{6,}"))
    expect(buyer.get_by_role("button", name="Cancel order")).to_have_count(0)
    screenshot(buyer, "order-desktop")
    phone_shot(new_page, cookies, order_url, "order")

    seller.get_by_role("link", name="My sales").click()
    row = seller.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("Delivered")
    expect(row).to_contain_text("$13.50")


def test_a_declined_card_shows_its_message(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    buyer = new_page()
    register(buyer, system, "Dana Declined")
    buyer.goto(f"{system.frontend_url}/books/{shelf[1]['id']}")
    buyer.get_by_role("button", name="Buy now").click()
    fill_checkout(buyer, "4000 0000 0000 0002")
    buyer.get_by_role("button", name=re.compile(r"^Pay ")).click()
    alert = buyer.get_by_role("alert")
    expect(alert).to_contain_text("Payment declined.")
    expect(buyer.get_by_label("Address", exact=True)).to_have_value("12 Library Lane")
    buyer.get_by_role("link", name="My orders").click()
    expect(buyer.get_by_text("No orders yet")).to_be_visible()


def test_after_logout_going_back_shows_no_private_page(
    system: System, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    register(page, system, "Lola Leaving")
    page.get_by_role("link", name="Cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    page.get_by_role("link", name="My orders", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My orders")
    page.get_by_role("button", name=re.compile("^Log out")).click()
    expect(page.locator(".flash-info")).to_have_text("You are signed out.")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_text("Lola Leaving")).to_have_count(0)
    page.go_back()  # the cart is a guest's now (issue 19): empty, nothing of Lola's
    expect(page.get_by_text("Your cart is empty")).to_be_visible()
    expect(page.get_by_text("Lola Leaving")).to_have_count(0)


def test_a_title_with_a_script_tag_is_shown_as_text_and_never_runs(
    system: System, new_page: Callable[..., Page]
) -> None:
    page = new_page()
    register(page, system, "Xavier Sneaky")
    title = "<script>window.__pwned = 1</script><img src=x onerror=window.__pwned=2>"
    sell(page, title, cover_png("Sneaky", (80, 20, 20)))  # checks the book page's <h1> text
    assert page.evaluate("window.__pwned") is None
    page.goto(system.frontend_url + "/?sort=newest")
    expect(page.locator(".book-title").filter(has_text="__pwned")).to_have_text(title)
    assert page.evaluate("window.__pwned") is None


def test_every_input_has_a_label_and_every_image_alt_text(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    page = new_page()
    register(page, system, "Alma Access")
    unlabeled = """() => [...document.querySelectorAll('input, select, textarea')]
        .filter(e => e.type !== 'hidden' && e.labels.length === 0).map(e => e.name)"""
    for path in ("/", f"/books/{shelf[0]['id']}", "/sell", "/my/books", "/orders"):
        page.goto(system.frontend_url + path)
        assert page.evaluate(unlabeled) == [], path
        assert page.evaluate("() => [...document.images].filter(i => !i.alt).length") == 0, path


def test_the_catalogue_is_usable_with_the_keyboard(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    page = new_page()
    page.goto(system.frontend_url + "/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.get_by_label("Search books").focus()
    page.keyboard.type("Middlemarch")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Middlemarch")
    link = page.get_by_role("link", name="Middlemarch").first
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Middlemarch")


def test_without_javascript_a_shopper_still_buys_and_sees_the_status_on_reload(
    system: System, shelf: list[dict[str, Any]], new_page: Callable[..., Page]
) -> None:
    page = new_page(javascript=False)
    register(page, system, "Nora Noscript")
    page.goto(f"{system.frontend_url}/books/{shelf[3]['id']}")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Checkout").click()
    fill_checkout(page, "4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.locator(".banner-live")).to_contain_text(PLACED)
    expect(page.get_by_role("link", name="reload it")).to_be_visible()
    for _ in range(60):
        page.reload()
        if page.locator("#order-live .order-status-head .status").inner_text() == "Delivered":
            break
        page.wait_for_timeout(500)
    expect(page.locator("#order-live .order-status-head .status")).to_have_text("Delivered")
