"""Catalogue HTTP API on a real MariaDB: validation, ownership, versions and events.

The fixtures and helpers here are imported by the other test_catalog_* API modules.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from catalog_service import create_app
from catalog_service.config import Config
from shared.db import migrate
from tests.support.tokens import AUDIENCE, ISSUER, TokenMinter

MIGRATIONS = Path(__file__).resolve().parents[2] / "catalog_service/migrations"
BOOK = {"title": "The Hobbit", "author": "J. R. R. Tolkien", "condition": "good", "price": "8.50"}


def config_for(database_url: str, rabbitmq_url: str, minter: TokenMinter, covers: Path) -> Config:
    """The catalogue's configuration for an in-process app trusting `minter`'s tokens."""
    return Config(
        database_url=database_url,
        rabbitmq_url=rabbitmq_url,
        event_prefix="unused.",
        jwt_public_key_file=str(minter.public_file),
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_level="WARNING",
        worker_health_port=0,
        covers_dir=str(covers),
        follow_revocations=False,  # no auth_service here: tokens are minted by the test
    )


@pytest.fixture(scope="module")
def database_url(database_factory: Any, request: pytest.FixtureRequest) -> str:
    url = database_factory(request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_"))
    migrate(url, MIGRATIONS)
    return url


@pytest.fixture(scope="module")
def minter(tmp_path_factory: pytest.TempPathFactory) -> TokenMinter:
    return TokenMinter.create(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def client(
    database_url: str, minter: TokenMinter, rabbitmq_url: str, tmp_path_factory: Any
) -> Iterator[FlaskClient]:
    config = config_for(database_url, rabbitmq_url, minter, tmp_path_factory.mktemp("covers"))
    app = create_app(config)
    yield app.test_client()
    app.extensions["db"].engine.dispose()


class Seller:
    def __init__(self, client: FlaskClient, minter: TokenMinter, name: str = "Ada Seller"):
        self.id, self.name, self.client = str(uuid.uuid4()), name, client
        self.headers = {"Authorization": f"Bearer {minter.token(self.id, name)}"}

    def create(self, **fields: Any) -> dict[str, Any]:
        response = self.client.post("/api/books", json={**BOOK, **fields}, headers=self.headers)
        assert response.status_code == 201, response.get_json()
        self.last_location = response.headers.get("Location")
        return response.get_json()

    def patch(self, book_id: str, **fields: Any) -> Any:
        return self.client.patch(f"/api/books/{book_id}", json=fields, headers=self.headers)


@pytest.fixture
def seller(client: FlaskClient, minter: TokenMinter) -> Seller:
    return Seller(client, minter)


@pytest.fixture
def other(client: FlaskClient, minter: TokenMinter) -> Seller:
    return Seller(client, minter, "Bob Other")


def outbox_events(database_url: str, book_id: str) -> list[dict[str, Any]]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT payload FROM outbox ORDER BY id")).scalars().all()
    engine.dispose()
    events = [json.loads(row) for row in rows]
    return [e for e in events if e["data"].get("book_id") == book_id]


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "request_id"} and body["error"]["code"]
    return body["error"]


INVALID = [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": None}, "title"),
    ({"title": 42}, "title"),
    ({"title": "bad\x00title"}, "title"),
    ({"author": ""}, "author"),
    ({"author": "y" * 201}, "author"),
    ({"isbn": "978-0-306-40615-8"}, "isbn"),
    ({"isbn": "0-306-40615-3"}, "isbn"),
    ({"isbn": "12345"}, "isbn"),
    ({"isbn": 9780306406157}, "isbn"),
    ({"price": "0.00"}, "price"),
    ({"price": "-1.00"}, "price"),
    ({"price": "100000.01"}, "price"),
    ({"price": "12.345"}, "price"),
    ({"price": 12.345}, "price"),
    ({"price": "abc"}, "price"),
    ({"price": "NaN"}, "price"),
    ({"price": "1e3"}, "price"),
    ({"price": True}, "price"),
    ({"price": None}, "price"),
    ({"stock": -1}, "stock"),
    ({"stock": 10001}, "stock"),
    ({"stock": 1.5}, "stock"),
    ({"stock": "3"}, "stock"),
    ({"stock": True}, "stock"),
    ({"condition": "mint"}, "condition"),
    ({"condition": None}, "condition"),
    ({"description": "d" * 5001}, "description"),
    ({"category": "c" * 61}, "category"),
    ({"published_year": "1999"}, "published_year"),
    ({"published_year": 99999}, "published_year"),
    ({"currency": "EUR"}, "currency"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(
    ("change", "field"), INVALID, ids=[f"{f}-{i}" for i, (_, f) in enumerate(INVALID)]
)
def test_each_invalid_field_is_refused_with_a_message_for_that_field(
    client: FlaskClient, seller: Seller, change: dict[str, Any], field: str
) -> None:
    response = client.post("/api/books", json={**BOOK, **change}, headers=seller.headers)
    error = assert_error_shape(response, 422)
    assert error["code"] == "validation_error" and field in error["fields"]


def test_every_missing_required_field_is_named_at_once(client: FlaskClient, seller: Seller) -> None:
    error = assert_error_shape(client.post("/api/books", json={}, headers=seller.headers), 422)
    assert set(error["fields"]) == {"title", "author", "condition", "price"}


VALID = [
    ({"isbn": "0-306-40615-2"}, "isbn", "0306406152"),
    ({"isbn": "978 0 306 40615 7"}, "isbn", "9780306406157"),
    ({"isbn": "0-8044-2957-x"}, "isbn", "080442957X"),
    ({"isbn": ""}, "isbn", None),
    ({"price": "12.5"}, "price", "12.50"),
    ({"price": 7}, "price", "7.00"),
    ({"price": 19.99}, "price", "19.99"),
    ({"price": "0.01"}, "price", "0.01"),
    ({"price": "100000.00"}, "price", "100000.00"),
    ({"stock": 0}, "stock", 0),
    ({"stock": 10000}, "stock", 10000),
    ({"condition": "like_new"}, "condition", "like_new"),
    ({"title": "  Émile  "}, "title", "Émile"),
    ({"description": "d" * 5000}, "description", "d" * 5000),
    ({"currency": "USD"}, "currency", "USD"),
]


@pytest.mark.parametrize(("change", "field", "stored"), VALID)
def test_valid_fields_are_stored_normalized(
    seller: Seller, change: dict[str, Any], field: str, stored: Any
) -> None:
    book = seller.create(**change)
    assert book[field] == stored


def test_a_body_that_is_not_json_is_refused_in_the_error_shape(
    client: FlaskClient, seller: Seller
) -> None:
    assert_error_shape(client.post("/api/books", data="title=x", headers=seller.headers), 415)
    malformed = client.post(
        "/api/books", data="{nope", content_type="application/json", headers=seller.headers
    )
    assert_error_shape(malformed, 400)
    assert_error_shape(client.post("/api/books", json=[1], headers=seller.headers), 422)


def test_a_created_book_belongs_to_the_caller_and_reads_back(
    client: FlaskClient, seller: Seller
) -> None:
    book = seller.create(description="A hobbit's journey.", stock=2, isbn="0-306-40615-2")
    assert book["seller_id"] == seller.id and book["seller_name"] == "Ada Seller"
    assert book["price"] == "8.50" and book["currency"] == "USD" and book["stock"] == 2
    assert book["created_at"].endswith("Z") and book["cover_url"] is None
    again = client.get(f"/api/books/{book['id']}")
    assert seller.last_location == f"/api/books/{book['id']}"
    assert again.status_code == 200 and again.get_json() == book


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
)
def test_creating_without_a_valid_token_is_401(client: FlaskClient, headers: dict) -> None:
    assert_error_shape(client.post("/api/books", json=BOOK, headers=headers), 401)


def test_unsigned_and_foreign_tokens_are_401(client: FlaskClient, minter: TokenMinter) -> None:
    good = jwt.decode(minter.token(), options={"verify_signature": False})
    unsigned = jwt.encode(good, None, algorithm="none")
    foreign = TokenMinter.create().token()
    wrong_type = minter.token(typ="refresh")
    for token in (unsigned, foreign, wrong_type):
        response = client.post(
            "/api/books", json=BOOK, headers={"Authorization": f"Bearer {token}"}
        )
        assert_error_shape(response, 401)


def test_only_the_seller_may_change_or_delete_a_book(
    client: FlaskClient, seller: Seller, other: Seller
) -> None:
    book = seller.create()
    assert_error_shape(other.patch(book["id"], price="1.00"), 403)
    assert_error_shape(client.delete(f"/api/books/{book['id']}", headers=other.headers), 403)
    assert client.get(f"/api/books/{book['id']}").get_json()["price"] == "8.50"


def test_a_partial_update_changes_only_the_given_fields_and_bumps_the_version(
    seller: Seller,
) -> None:
    book = seller.create(stock=3)
    response = seller.patch(book["id"], price="9.00", stock=0)
    assert response.status_code == 200
    updated = response.get_json()
    assert (updated["price"], updated["stock"], updated["title"]) == ("9.00", 0, "The Hobbit")
    assert updated["version"] == book["version"] + 1
    unchanged = seller.patch(book["id"], price="9.00").get_json()
    assert unchanged["version"] == updated["version"]


def test_a_bad_update_is_422_and_changes_nothing(client: FlaskClient, seller: Seller) -> None:
    book = seller.create()
    for change in ({"price": "0"}, {"title": None}, {"owner": "me"}, {"stock": -5}):
        assert_error_shape(seller.patch(book["id"], **change), 422)
    assert client.get(f"/api/books/{book['id']}").get_json()["version"] == book["version"]


def test_unknown_and_deleted_books_are_404(client: FlaskClient, seller: Seller) -> None:
    assert_error_shape(client.get(f"/api/books/{uuid.uuid4()}"), 404)
    assert_error_shape(client.get("/api/books/' OR 1=1 --"), 404)
    book = seller.create()
    assert client.delete(f"/api/books/{book['id']}", headers=seller.headers).status_code == 204
    assert_error_shape(client.get(f"/api/books/{book['id']}"), 404)
    assert_error_shape(seller.patch(book["id"], price="1.00"), 404)
    assert_error_shape(client.delete(f"/api/books/{book['id']}", headers=seller.headers), 404)


def test_every_change_publishes_a_full_event_with_an_increasing_version(
    client: FlaskClient, seller: Seller, database_url: str
) -> None:
    book = seller.create(isbn="9780306406157")
    seller.patch(book["id"], stock=5)
    seller.patch(book["id"], title="The Hobbit, or There and Back Again")
    client.delete(f"/api/books/{book['id']}", headers=seller.headers)
    events = outbox_events(database_url, book["id"])
    assert [e["type"] for e in events] == [
        "book.created",
        "book.updated",
        "book.updated",
        "book.deleted",
    ]
    assert [e["data"]["version"] for e in events] == [1, 2, 3, 4]
    created = events[0]["data"]
    assert created["price"] == "8.50" and created["seller_name"] == "Ada Seller"
    assert created["isbn"] == "9780306406157" and created["stock"] == 1
    assert events[1]["data"]["stock"] == 5
    assert all(e["producer"] == "catalog_service" and e["correlation_id"] for e in events)


ANY_JSON = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=250),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
FIELDS = [
    *sorted(BOOK),
    "isbn",
    "stock",
    "category",
    "description",
    "language",
    "published_year",
    "currency",
    "seller_id",
]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from(FIELDS), ANY_JSON, max_size=5))
def test_any_json_values_are_answered_201_or_422(
    client: FlaskClient, seller: Seller, change: dict[str, Any]
) -> None:
    response = client.post("/api/books", json={**BOOK, **change}, headers=seller.headers)
    assert response.status_code in (201, 422), (change, response.get_data(as_text=True))
    if response.status_code == 201:
        assert response.get_json()["price"].count(".") == 1


def test_an_unreachable_database_is_503_in_the_error_shape(
    minter: TokenMinter, rabbitmq_url: str, tmp_path: Path
) -> None:
    config = config_for("mysql+pymysql://root@127.0.0.1:1/nowhere", rabbitmq_url, minter, tmp_path)
    client = create_app(config).test_client()
    error = assert_error_shape(client.get("/api/books"), 503)
    assert error["code"] == "upstream_unavailable"
    assert client.get("/health/ready").status_code == 503
