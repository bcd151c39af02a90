"""A real Chromium: a seller who ships by hand sends a sale from /my/shipments; the buyer
follows it on the order page, confirms receipt and reviews; the review reaches the seller's
page, and the money the seller's balance."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import cover_png, screenshot
from tests.browser.test_frontend_shop import PLACED, fill_checkout, register, sell
from tests.support.system import System

pytestmark = pytest.mark.browser


def reload_until(page: Page, text: str, timeout: float = 30) -> None:
    """Reload until the page shows `text` (it arrives through an event, asynchronously)."""
    deadline = time.monotonic() + timeout
    while page.get_by_text(text).count() == 0:
        assert time.monotonic() < deadline, f"{text!r} never appeared on {page.url}"
        time.sleep(0.5)
        page.reload()


def test_a_seller_ships_from_the_shipping_page_and_the_buyer_reviews_after_receipt(
    system: System, new_page: Callable[..., Page]
) -> None:
    title = f"The Left Hand of Darkness {uuid.uuid4().hex[:4]}"
    seller = new_page()
    register(seller, system, "Hana Shipper")
    sell(seller, title, cover_png("Left Hand", (120, 40, 40)))
    book_url = seller.url

    buyer = new_page()
    register(buyer, system, "Ines Reader")
    buyer.goto(book_url)
    buyer.get_by_role("button", name="Add to cart").click()
    buyer.get_by_role("link", name="Checkout").click()
    fill_checkout(buyer, "4242 4242 4242 4242")
    buyer.get_by_role("button", name=re.compile(r"^Pay \$13\.50$")).click()
    expect(buyer.locator(".banner-live")).to_contain_text(PLACED)
    status = buyer.locator("#order-live .order-status-head .status")
    expect(status).to_have_text("Paid", timeout=30_000)
    expect(buyer.locator(".shipment").first).to_contain_text("ships by")

    seller.get_by_role("link", name="My shipments").click()
    card = seller.locator(".shipment-card").filter(has_text=title)
    expect(card).to_contain_text("12 Library Lane")
    expect(card).to_contain_text("Ines Reader")
    card.get_by_label("Carrier").fill("La Poste")
    card.get_by_label("Tracking number").fill("LP987654321FR")
    screenshot(seller, "shipments-desktop")
    card.get_by_role("button", name="Mark as shipped").click()
    expect(seller.locator(".flash-success")).to_contain_text("Marked as shipped")

    expect(status).to_have_text("Shipped", timeout=30_000)  # the live part follows
    expect(buyer.locator(".tracking")).to_have_text("LP987654321FR")
    buyer.get_by_role("button", name="I received it").click()
    expect(buyer.locator(".flash-success")).to_contain_text("You can now review the seller")
    expect(status).to_have_text("Delivered")
    buyer.get_by_label("Rating").select_option("4")
    buyer.get_by_label("Comment (optional)").fill("Carefully wrapped, as described.")
    buyer.get_by_role("button", name="Post review").click()
    expect(buyer.locator(".flash-success")).to_have_text("Thanks for your review.")

    buyer.get_by_role("link", name="Hana Shipper").first.click()
    reload_until(buyer, "Carefully wrapped, as described.")
    expect(buyer.locator(".seller-rating")).to_contain_text("4.0 / 5 from 1 review")
    screenshot(buyer, "seller-desktop")

    seller.get_by_role("link", name="Balance").click()
    expect(seller.locator(".balance-available")).to_have_text("$12.15")  # 13.50 less 10%
    seller.get_by_role("button", name="Pay out").click()
    expect(seller.locator(".flash-success")).to_contain_text("12.15 USD is on its way")
    expect(seller.locator(".balance-paid-out")).to_have_text("$12.15")
