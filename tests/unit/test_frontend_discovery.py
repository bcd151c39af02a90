"""Discovery pages of the frontend against the in-memory fake API: recommendation rows, the
search box's suggestions with and without JavaScript, facet counts, the seller dashboard."""
# ruff: noqa: F811  (pytest fixtures imported from test_frontend_pages are parameters here)

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.support.fake_gateway import Store
from tests.unit.test_frontend_pages import (  # noqa: F401 (fixtures)
    app,
    book_id,
    buyer,
    list_book,
    order_id,
    seller,
    store,
)
from web_frontend.charts import HEIGHT, bar_chart

DAYS = [
    {"date": "2026-11-29", "revenue": "10.00", "items": 1},
    {"date": "2026-11-30", "revenue": "0.00", "items": 0},
    {"date": "2026-12-01", "revenue": "25.00", "items": 3},
]


def test_bars_scale_to_the_largest_value_and_keep_the_figures() -> None:
    chart = bar_chart(DAYS, "revenue", money=True)
    tallest, empty, small = chart.bars[2], chart.bars[1], chart.bars[0]
    assert empty.height == 0 and small.height == tallest.height * 10 / 25
    assert tallest.y + tallest.height == chart.baseline and tallest.y >= 0
    assert [b.value for b in chart.bars] == ["10.00", "0.00", "25.00"] and chart.maximum == "25.00"
    assert all(b.x + b.width <= chart.width for b in chart.bars)


def test_a_period_without_sales_draws_flat_bars() -> None:
    chart = bar_chart([{"date": "2026-12-01", "items": 0}], "items")
    assert chart.bars[0].height == 0 and chart.maximum == "0" and chart.height == HEIGHT


def test_nonsense_values_count_as_zero() -> None:
    chart = bar_chart([{"date": "d", "revenue": "NaN"}, {"date": "e", "revenue": "x"}], "revenue")
    assert [b.height for b in chart.bars] == [0, 0]


def test_the_book_page_shows_the_recommendation_rows(seller: FlaskClient, book_id: str) -> None:
    more = list_book(seller, title="Dune Messiah")
    page = seller.get(f"/books/{book_id}").text
    assert 'data-row="same_author"' in page and "More by this author" in page
    assert f"/books/{more}" in page
    assert 'data-row="also_bought"' not in page  # an empty row is not shown


def test_the_catalogue_shows_facet_counts_that_link_to_filters(
    app: Flask, seller: FlaskClient, book_id: str
) -> None:
    list_book(seller, title="Emma", author="Jane Austen", category="Classics", condition="good")
    assert 'aria-label="Narrow the results"' not in app.test_client().get("/").text
    page = app.test_client().get("/?min_price=1").text
    facets = page[page.index('aria-label="Narrow the results"') :]
    assert re.search(r"Classics</a> <span class=\"count\">1</span>", facets)
    assert re.search(r"Fiction</a> <span class=\"count\">1</span>", facets)
    assert "category=Classics" in facets and "min_price=1" in facets  # keeps the filter


def test_the_search_box_gets_suggestions_from_the_server_without_javascript(
    app: Flask, book_id: str
) -> None:
    page = app.test_client().get("/?q=du").text
    assert 'list="search-suggestions"' in page
    assert re.search(r'<datalist id="search-suggestions"><option value="Dune">', page)


def test_the_suggest_endpoint_answers_json_and_nothing_for_one_letter(
    app: Flask, book_id: str
) -> None:
    client = app.test_client()
    assert client.get("/suggest?q=du").get_json()["items"][0]["text"] == "Dune"
    assert client.get("/suggest?q=d").get_json() == {"items": []}


def test_the_dashboard_needs_a_sign_in(app: Flask) -> None:
    response = app.test_client().get("/my/dashboard")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_the_dashboard_draws_a_chart_and_prints_the_same_figures(
    seller: FlaskClient, store: Store, order_id: str
) -> None:
    store.advance(order_id, "paid")
    assert seller.get("/my/dashboard?days=abc").status_code == 200  # the default period
    page = seller.get("/my/dashboard?days=7").text
    assert '<svg id="revenue-chart"' in page and 'role="img"' in page
    assert '<table class="table" id="by-day">' in page
    assert 'data-figure="revenue">$12.50' in page and 'data-figure="orders">1' in page
    assert re.search(r'<td data-label="Revenue">\$12.50</td>', page)  # the table's figure
    assert "<title>" in page.split('id="revenue-chart"')[1] and "12.50 USD" in page
    assert "<script" not in page.split("<footer")[0].split("</header>")[1]  # no inline script


def test_the_sales_csv_is_a_download(seller: FlaskClient) -> None:
    response = seller.get("/my/sales.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True).startswith("order_id,date,title")


def test_a_search_that_finds_nothing_offers_what_it_meant(app: Flask, book_id: str) -> None:
    page = app.test_client().get("/?q=dnue").text
    assert "Did you mean" in page and 'href="/?q=dune"' in page
    assert "Did you mean" not in app.test_client().get("/?q=dune").text
