"""Browsing and searching the catalogue on a real MariaDB (FULLTEXT), hostile input included."""
# ruff: noqa: F811  (pytest fixtures imported from test_catalog_api are parameters here)

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.contract.catalogue import CATEGORIES
from tests.integration.test_catalog_api import (  # noqa: F401 (fixtures)
    Seller,
    assert_error_shape,
    client,
    database_url,
    minter,
    other,
    seller,
)


def listing(client: FlaskClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/books", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def titles(page: dict[str, Any]) -> list[str]:
    return [book["title"] for book in page["items"]]


def test_pages_cover_every_book_once_newest_first(client: FlaskClient, seller: Seller) -> None:
    made = [seller.create(title=f"Volume {i}")["id"] for i in range(5)]
    pages = [listing(client, seller_id=seller.id, per_page=2, page=p) for p in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    assert all(p["total"] == 5 and p["per_page"] == 2 for p in pages)
    seen = [book["id"] for p in pages for book in p["items"]]
    assert seen == list(reversed(made))
    assert len(listing(client, seller_id=seller.id, per_page=100)["items"]) == 5


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "1.5"},
        {"page": "100001"},
        {"per_page": "0"},
        {"per_page": "101"},
        {"per_page": "1e2"},
        {"page": "٣"},  # an Arabic-Indic digit is a digit to str.isdigit, not to us
    ],
)
def test_bad_paging_is_422(client: FlaskClient, params: dict[str, str]) -> None:
    error = assert_error_shape(client.get("/api/books", query_string=params), 422)
    assert set(error["fields"]) <= {"page", "per_page"}


def test_sold_out_books_leave_the_default_listing_but_not_the_sellers_own(
    client: FlaskClient, seller: Seller
) -> None:
    available, sold_out = seller.create(title="Available"), seller.create(title="Gone", stock=0)
    assert titles(listing(client, seller_id=seller.id)) == ["Available"]
    everything = listing(client, seller_id=seller.id, include_sold_out="true")
    assert titles(everything) == ["Gone", "Available"]
    mine = client.get("/api/me/books", headers=seller.headers).get_json()
    assert {b["id"] for b in mine["items"]} == {available["id"], sold_out["id"]}
    assert client.get(f"/api/books/{sold_out['id']}").get_json()["stock"] == 0


def test_my_books_needs_a_token_and_shows_only_mine(
    client: FlaskClient, seller: Seller, other: Seller
) -> None:
    seller.create()
    other.create()
    assert_error_shape(client.get("/api/me/books"), 401)
    mine = client.get("/api/me/books", headers=other.headers).get_json()
    assert mine["total"] == 1 and mine["items"][0]["seller_id"] == other.id


def test_every_filter_narrows_the_listing(client: FlaskClient, seller: Seller) -> None:
    seller.create(title="Cheap", price="2.00", condition="acceptable", category="Drama")
    seller.create(title="Mid", price="10.00", condition="good", author="Ursula K. Le Guin")
    seller.create(title="Dear", price="50.00", condition="new", category="drama")
    mine = {"seller_id": seller.id}
    assert titles(listing(client, **mine, category="DRAMA")) == ["Dear", "Cheap"]
    assert titles(listing(client, **mine, author="le guin")) == ["Mid"]
    assert titles(listing(client, **mine, condition="new")) == ["Dear"]
    assert titles(listing(client, **mine, min_price="10", max_price="50.00")) == ["Dear", "Mid"]
    assert titles(listing(client, **mine, sort="price_asc")) == ["Cheap", "Mid", "Dear"]
    assert titles(listing(client, **mine, sort="price_desc")) == ["Dear", "Mid", "Cheap"]
    assert listing(client, seller_id=str(uuid.uuid4()))["total"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"condition": "mint"}, "condition"),
        ({"sort": "random"}, "sort"),
        ({"min_price": "cheap"}, "min_price"),
        ({"max_price": "1.005"}, "max_price"),
        ({"min_price": "-1"}, "min_price"),
        ({"min_price": "9", "max_price": "3"}, "max_price"),
        ({"include_sold_out": "maybe"}, "include_sold_out"),
        ({"category": "c" * 61}, "category"),
        ({"category": "Horror"}, "category"),
        ({"q": "q" * 2000}, "q"),
    ],
)
def test_bad_filters_are_422_naming_the_filter(
    client: FlaskClient, params: dict[str, str], field: str
) -> None:
    error = assert_error_shape(client.get("/api/books", query_string=params), 422)
    assert field in error["fields"]


def test_unknown_query_parameters_are_ignored(client: FlaskClient) -> None:
    assert client.get("/api/books?colour=blue&debug=1").status_code == 200


def test_categories_are_the_fixed_list_each_counting_the_books_for_sale(
    client: FlaskClient, seller: Seller
) -> None:
    def counts() -> dict[str, int]:
        items = client.get("/api/categories").get_json()["items"]
        assert [item["name"] for item in items] == list(CATEGORIES)  # every one, zeros included
        return {item["name"]: item["count"] for item in items}

    before = counts()
    assert seller.create(category="poetry")["category"] == "Poetry"  # the list's spelling
    seller.create(category="Poetry")
    seller.create(category="Poetry", stock=0)
    after = counts()
    assert after["Poetry"] == before["Poetry"] + 2
    assert {k: v for k, v in after.items() if k != "Poetry"} == {
        k: v for k, v in before.items() if k != "Poetry"
    }


@pytest.fixture
def shelf(seller: Seller) -> Seller:
    seller.create(
        title="The Hobbit",
        author="J. R. R. Tolkien",
        description="Bilbo Baggins leaves the Shire with thirteen dwarves.",
        isbn="978-0-261-10221-7",
    )
    seller.create(
        title="Unfinished Tales",
        author="J. R. R. Tolkien",
        description="Stories of Middle-earth; one tells how a hobbit came to Bree.",
    )
    seller.create(title="Dune", author="Frank Herbert", description="Spice, sandworms and Arrakis.")
    seller.create(
        title="A Wizard of Earthsea", author="Ursula K. Le Guin", description="Ged learns names."
    )
    return seller


def search(client: FlaskClient, shelf: Seller, q: str, **params: Any) -> list[str]:
    return titles(listing(client, q=q, seller_id=shelf.id, **params))


def test_search_ranks_a_title_match_above_a_passing_mention(
    client: FlaskClient, shelf: Seller
) -> None:
    assert search(client, shelf, "hobbit") == ["The Hobbit", "Unfinished Tales"]
    assert search(client, shelf, "HOBBIT") == ["The Hobbit", "Unfinished Tales"]


def test_search_looks_at_authors_descriptions_and_exact_isbns(
    client: FlaskClient, shelf: Seller
) -> None:
    assert sorted(search(client, shelf, "tolkien")) == ["The Hobbit", "Unfinished Tales"]
    assert search(client, shelf, "sandworms") == ["Dune"]
    assert search(client, shelf, "herbert dune") == ["Dune"]
    assert search(client, shelf, "978-0261102217") == ["The Hobbit"]
    assert search(client, shelf, "0-261-10221-4") == ["The Hobbit"]  # its ISBN-10 form
    assert search(client, shelf, "earthsea", sort="price_asc") == ["A Wizard of Earthsea"]
    assert search(client, shelf, "nothing-matches-this") == []


HOSTILE = [
    "'",
    '"',
    "\\",
    "%",
    "_",
    "*",
    "+hobbit -dune",
    '+-><()~*:""&|@',
    "' OR 1=1 --",
    '"unbalanced (quote',
    "hob*",
    "@3 hobbit",
    "a\x00b",
    "%00",
    "/* comment */ ; DROP TABLE books; --",
    "MATCH AGAINST IN BOOLEAN MODE",
    "x" * 500,
    "word" * 30,
    "红楼梦",
    "الحب في زمن الكوليرا",
    "📚🐉",
    "\u202ereversed",
    "\ufeff\u200b",
    "Ω≈ç√∫˜µ≤≥÷",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "0-306-40615-2",
    "   ",
]


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_search_text_is_answered_never_crashed(
    client: FlaskClient, shelf: Seller, q: str
) -> None:
    for sort in ("relevance", "newest", "price_desc"):
        response = client.get("/api/books", query_string={"q": q, "sort": sort, "category": q})
        assert response.status_code in (200, 422), response.get_data(as_text=True)
        if response.status_code == 200:
            assert isinstance(response.get_json()["items"], list)


def test_search_operators_are_plain_words(client: FlaskClient, shelf: Seller) -> None:
    # "-dune" would exclude Dune in boolean mode; in natural language mode it is just a word.
    assert "Dune" in search(client, shelf, "+hobbit -dune")


def test_hostile_bytes_in_the_url_are_answered_never_crashed(client: FlaskClient) -> None:
    for raw in ("q=%ff%fe", "q=%ED%A0%80", "q=%", "page=%00", "min_price=%F0%9F%93%9A"):
        response = client.get(f"/api/books?{raw}")
        assert response.status_code in (200, 422), raw


PARAMS = [
    "q",
    "page",
    "per_page",
    "category",
    "author",
    "condition",
    "min_price",
    "max_price",
    "seller_id",
    "sort",
    "include_sold_out",
]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from(PARAMS), st.text(max_size=300), max_size=6))
def test_any_combination_of_parameters_is_answered_200_or_422(
    client: FlaskClient, params: dict[str, str]
) -> None:
    response = client.get("/api/books", query_string=params)
    assert response.status_code in (200, 422), (params, response.get_data(as_text=True))
    body = response.get_json()
    assert ("items" in body) if response.status_code == 200 else body["error"]["fields"]
