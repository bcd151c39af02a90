"""Discovery on a real MariaDB: recommendations learnt from order events, search that forgives
misspellings and short words, suggestions and facet counts."""
# ruff: noqa: F811  (pytest fixtures imported from test_catalog_api are parameters here)

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from catalog_service import vocabulary
from catalog_service.db import Database
from tests.integration.test_catalog_api import (  # noqa: F401 (fixtures)
    Seller,
    assert_error_shape,
    client,
    database_url,
    minter,
    other,
    seller,
)
from tests.integration.test_catalog_stock import cancelled, handle, paid, placed


def db_of(client: FlaskClient) -> Database:
    return client.application.extensions["db"]


def buy_together(client: FlaskClient, *book_ids: str, pay: bool = True) -> str:
    """One order of one copy of each book, reserved (and paid) through the real handlers."""
    order_id = str(uuid.uuid4())
    handle(db_of(client), "order.placed", placed(order_id, *((b, 1) for b in book_ids)))
    if pay:
        handle(db_of(client), "order.paid", paid(order_id))
    return order_id


def recommendations(client: FlaskClient, book_id: str, **kw: Any) -> dict[str, list[str]]:
    response = client.get(f"/api/books/{book_id}/recommendations", **kw)
    assert response.status_code == 200, response.get_json()
    return {row: [b["id"] for b in books] for row, books in response.get_json().items()}


def search(client: FlaskClient, **params: Any) -> dict[str, Any]:
    vocabulary.forget(db_of(client).reader)  # books made by this test are in the vocabulary
    response = client.get("/api/books", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_bought_together_counts_paid_orders_both_ways_most_often_first(
    client: FlaskClient, seller: Seller
) -> None:
    base, often, once, unpaid = (seller.create(title=f"Co {i}", stock=9)["id"] for i in range(4))
    buy_together(client, base, often, once)
    buy_together(client, often, base)
    buy_together(client, base, unpaid, pay=False)
    assert recommendations(client, base)["also_bought"] == [often, once]
    assert recommendations(client, once)["also_bought"][0] in (base, often)
    assert set(recommendations(client, once)["also_bought"]) == {base, often}


def test_a_cancelled_paid_order_no_longer_counts(client: FlaskClient, seller: Seller) -> None:
    first, second = (seller.create(title=f"Undo {i}", stock=5)["id"] for i in range(2))
    order_id = buy_together(client, first, second)
    assert recommendations(client, first)["also_bought"] == [second]
    handle(db_of(client), "order.cancelled", cancelled(order_id))
    assert recommendations(client, first)["also_bought"] == []


def test_rows_never_hold_the_book_itself_sold_out_books_or_the_viewers_own(
    client: FlaskClient, seller: Seller, other: Seller
) -> None:
    author = f"Author {uuid.uuid4().hex[:8]}"
    book = other.create(title="Main", author=author, stock=3)["id"]
    mine = seller.create(title="Mine", author=author, stock=5)["id"]
    gone = other.create(title="Gone", author=author, stock=0)["id"]
    theirs = other.create(title="Theirs", author=author, stock=5)["id"]
    buy_together(client, book, mine, theirs)
    rows = recommendations(client, book)
    assert rows["same_author"] == [theirs, mine] and gone not in rows["also_bought"]
    assert all(book not in row for row in rows.values())
    as_seller = recommendations(client, book, headers=seller.headers)
    assert all(mine not in row for row in as_seller.values())
    assert as_seller["same_author"] == [theirs]


def test_similar_books_share_the_category_and_not_the_author(
    client: FlaskClient, seller: Seller
) -> None:
    book = seller.create(title="Quantum Gardens", author="X1", category="Poetry")["id"]
    near = seller.create(title="Quantum Gardens Again", author="X2", category="Poetry")["id"]
    elsewhere = seller.create(title="Quantum Gardens", author="X3", category="Travel")["id"]
    similar = recommendations(client, book)["similar"]
    assert similar[0] == near and elsewhere not in similar and len(similar) <= 6


def test_recommendations_of_an_unknown_book_are_404(client: FlaskClient) -> None:
    assert_error_shape(client.get(f"/api/books/{uuid.uuid4()}/recommendations"), 404)


@pytest.mark.parametrize(
    ("typed", "title", "author"),
    [
        ("tolkein", "The Silmarillion", "J. R. R. Tolkien"),
        ("pride prejudise", "Pride and Prejudice", "Jane Austen"),
        ("dostoevksy", "The Idiot", "Fyodor Dostoevsky"),
    ],
)
def test_a_misspelt_word_finds_its_book_and_says_what_it_meant(
    client: FlaskClient, seller: Seller, typed: str, title: str, author: str
) -> None:
    made = seller.create(title=title, author=author)["id"]
    found = search(client, q=typed)
    assert made in [b["id"] for b in found["items"][:3]]
    assert found["did_you_mean"] and found["did_you_mean"] != typed


@pytest.mark.parametrize("title", ["It", "The Road", "On"])
def test_short_words_and_stopword_titles_are_searchable(
    client: FlaskClient, seller: Seller, title: str
) -> None:
    made = seller.create(title=title, author="Somebody Else")["id"]
    assert search(client, q=title.lower())["items"][0]["id"] == made


def test_a_query_nothing_resembles_has_no_suggestion(client: FlaskClient) -> None:
    found = search(client, q="qqxqzzv")
    assert found["items"] == [] and found["did_you_mean"] is None


def test_facets_count_the_books_of_the_current_query_and_filters(
    client: FlaskClient, seller: Seller
) -> None:
    word = f"facet{uuid.uuid4().hex[:6]}"
    seller.create(title=f"{word} one", category="Poetry", condition="new", price="4.00")
    seller.create(title=f"{word} two", category="Poetry", condition="good", price="12.00")
    seller.create(title=f"{word} three", category="Travel", condition="good", price="60.00")
    facets = search(client, q=word, facets="true")["facets"]
    assert facets["category"] == [{"name": "Poetry", "count": 2}, {"name": "Travel", "count": 1}]
    conditions = {c["name"]: c["count"] for c in facets["condition"]}
    assert conditions["good"] == 2 and conditions["new"] == 1 and conditions["acceptable"] == 0
    prices = {(p["min"], p["max"]): p["count"] for p in facets["price"]}
    assert prices[("0.00", "5.00")] == 1 and prices[("10.00", "20.00")] == 1
    assert prices[("50.00", None)] == 1
    narrowed = search(client, q=word, facets="true", category="poetry")["facets"]
    assert narrowed["category"] == [{"name": "Poetry", "count": 2}]
    assert "facets" not in search(client, q=word)


def test_facets_must_be_true_or_false(client: FlaskClient) -> None:
    assert "facets" in assert_error_shape(client.get("/api/books?facets=maybe"), 422)["fields"]


def test_suggestions_complete_titles_and_authors_as_typed(
    client: FlaskClient, seller: Seller
) -> None:
    made = seller.create(title="Harry Potter and the Goblet of Fire", author="J. K. Rowling")
    seller.create(title="Harry Potter and the Half-Blood Prince", author="J. K. Rowling")
    seller.create(title="Gone Book", author="Harrison Gone", stock=0)
    items = client.get("/api/books/suggest?q=harry po").get_json()["items"]
    assert {"text": made["title"], "kind": "title", "book_id": made["id"]} in items
    assert len(items) <= 8 and all(i["text"] != "Gone Book" for i in items)
    inner = client.get("/api/books/suggest?q=goblet").get_json()["items"]
    assert inner[0]["text"] == made["title"]
    authors = client.get("/api/books/suggest?q=rowl").get_json()["items"]
    assert {"text": "J. K. Rowling", "kind": "author", "book_id": None} in authors
    assert all(
        i["text"] != "Harrison Gone"
        for i in client.get("/api/books/suggest?q=harri").get_json()["items"]
    )


@pytest.mark.parametrize("q", ["", "a", " b ", "x" * 101])
def test_a_suggestion_needs_two_to_a_hundred_characters(client: FlaskClient, q: str) -> None:
    error = assert_error_shape(client.get("/api/books/suggest", query_string={"q": q}), 422)
    assert "q" in error["fields"]


@pytest.mark.parametrize("q", ['"+', "*)(", "-- ;", "+a* -b", "«»"])
def test_hostile_prefixes_are_just_text(client: FlaskClient, q: str) -> None:
    assert client.get("/api/books/suggest", query_string={"q": q}).status_code == 200


def test_a_cancelled_shipment_takes_its_books_out_of_bought_together(
    client: FlaskClient, seller: Seller, other: Seller
) -> None:
    mine, theirs = seller.create(title="Kept", stock=5)["id"], other.create(stock=5)["id"]
    order_id = buy_together(client, mine, theirs)
    assert recommendations(client, mine)["also_bought"] == [theirs]
    cancelled_part = {
        "order_id": order_id,
        "shipment_id": str(uuid.uuid4()),
        "seller_id": other.id,
        "buyer_id": str(uuid.uuid4()),
        "reason": "not shipped in time",
        "items": [{"book_id": theirs, "quantity": 1}],
        "refund_amount": "8.50",
    }
    handle(db_of(client), "shipment.cancelled", cancelled_part)
    assert recommendations(client, mine)["also_bought"] == []
