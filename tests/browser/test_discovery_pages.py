"""A real Chromium on the discovery pages: the search box suggests as you type (and, without
JavaScript, from the server), and a seller's dashboard draws its chart beside the same figures."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import cover_png, screenshot
from tests.browser.test_frontend_shop import register, sell
from tests.support.system import System

pytestmark = pytest.mark.browser


def test_the_search_box_suggests_titles_as_you_type_with_and_without_javascript(
    new_page: Callable[..., Page], system: System
) -> None:
    page = new_page()
    register(page, system, "Sasha Suggest")
    title = f"Vellichor {uuid.uuid4().hex[:5]} Archive"
    sell(page, title, cover_png(title, (70, 90, 120)))
    box = page.locator("#header-q")
    box.press_sequentially(title[:12], delay=40)
    expect(page.locator(f'#search-suggestions option[value="{title}"]')).to_have_count(1)
    plain = new_page(javascript=False)
    plain.goto(system.frontend_url + "/?q=" + title[:12])
    expect(plain.locator(f'#search-suggestions option[value="{title}"]')).to_have_count(1)


def test_the_dashboard_draws_its_chart_beside_the_figures_as_a_table(
    new_page: Callable[..., Page], system: System
) -> None:
    page = new_page()
    register(page, system, "Dana Dashboard")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sales dashboard")
    expect(page.get_by_role("img", name="Revenue by day")).to_be_visible()
    expect(page.locator("#by-day tbody tr")).to_have_count(30)
    expect(page.locator('[data-figure="revenue"]')).to_have_text("$0.00")
    page.get_by_label("Period", exact=True).select_option("7")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#by-day tbody tr")).to_have_count(7)
    screenshot(page, "dashboard")
