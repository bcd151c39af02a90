"""A real Chromium: the heart on a book page, the want form, the bell's count and the inbox."""

from __future__ import annotations

import time
import uuid

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.test_frontend_shop import register
from tests.support.system import System, auth_header

pytestmark = pytest.mark.browser


def test_a_shopper_hearts_a_book_wants_another_and_reads_the_news(system: System, new_page) -> None:
    _, seller_token = system.register_and_login("Seller")
    tag = uuid.uuid4().hex[:6]
    listed = requests.post(
        system.api("/api/books"),
        json={
            "title": f"The Dispossessed {tag}",
            "author": "Ursula K. Le Guin",
            "condition": "good",
            "price": "9.00",
            "stock": 1,
            "category": "Science Fiction",
        },
        headers=auth_header(seller_token),
        timeout=10,
    ).json()
    page: Page = new_page()
    register(page, system, "Heart Reader")

    # The heart: the notification service learns the book from its event, then it can be hearted.
    deadline = time.monotonic() + 15
    while True:
        page.goto(f"{system.frontend_url}/books/{listed['id']}")
        page.get_by_role("button", name="♡ Add to favourites").click()
        if page.locator(".flash-success").count() or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    expect(page.get_by_role("button", name="♥ In your favourites")).to_be_visible()
    page.get_by_role("link", name="Favourites").click()
    expect(page.get_by_role("link", name=listed["title"])).to_be_visible()

    # A want by title, then a listing that matches it.
    page.get_by_role("link", name="Wants").click()
    page.get_by_label("Title contains").fill(f"LEFT hand of darkness {tag}")
    page.get_by_label("Highest price (USD)").fill("12,50")
    page.get_by_role("button", name="Add want").click()
    expect(page.locator(".flash-success")).to_contain_text("Want saved")
    expect(page.get_by_text("Up to $12.50")).to_be_visible()
    requests.post(
        system.api("/api/books"),
        json={
            "title": f"The Left Hand of Darkness {tag}",
            "author": "Ursula K. Le Guin",
            "condition": "like_new",
            "price": "11.00",
            "stock": 1,
            "category": "Fiction",
        },
        headers=auth_header(seller_token),
        timeout=10,
    )
    requests.patch(
        system.api(f"/api/books/{listed['id']}"),
        json={"price": "7.00"},
        headers=auth_header(seller_token),
        timeout=10,
    )

    # The bell counts both; the inbox lists them and marks them read.
    def unread() -> str | None:
        page.reload()
        badge = page.locator(".bell-link .badge-count")
        return badge.get_attribute("data-unread") if badge.count() else None

    deadline = time.monotonic() + 15
    while unread() != "2":
        assert time.monotonic() < deadline, "the bell never showed 2 unread"
        time.sleep(0.3)
    page.locator(".bell-link").click()
    expect(page.locator(".notification.unread")).to_have_count(2)
    expect(
        page.get_by_text(f"A book you want is for sale: The Left Hand of Darkness {tag}")
    ).to_be_visible()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.locator(".bell-link .badge-count")).to_have_count(0)
