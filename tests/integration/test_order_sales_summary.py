"""The seller dashboard's figures and the sales CSV against a known set of orders on MariaDB:
they agree with `/api/me/sales` to the cent and follow docs/api.md's definitions."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from order_service import create_app
from order_service.config import Config
from order_service.db import Database
from order_service.models import Order, OrderItem, Review, Shipment
from shared.db import migrate
from tests.support.tokens import AUDIENCE, ISSUER, TokenMinter

MIGRATIONS = Path(__file__).resolve().parents[2] / "order_service/migrations"
NOW = datetime.now(UTC).replace(tzinfo=None)
SOLD = ("paid", "shipped", "delivered")


@pytest.fixture(scope="module")
def minter(tmp_path_factory: pytest.TempPathFactory) -> TokenMinter:
    return TokenMinter.create(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def client(database_factory: Any, rabbitmq_url: str, minter: TokenMinter) -> Iterator[FlaskClient]:
    url = database_factory("order_sales_summary")
    migrate(url, MIGRATIONS)
    config = Config(
        database_url=url,
        rabbitmq_url=rabbitmq_url,
        event_prefix="unused.",
        jwt_public_key_file=str(minter.public_file),
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_level="WARNING",
        worker_health_port=0,
        follow_revocations=False,
    )
    app = create_app(config)
    yield app.test_client()
    app.extensions["db"].engine.dispose()


def place(db: Database, status: str, age: timedelta, *items: tuple[str, str, int, str]) -> str:
    """An order in `status`, placed `age` ago, of (seller, book, quantity, unit price) items."""
    order_id, at = str(uuid.uuid4()), NOW - age
    lines = [
        OrderItem(book_id=b, seller_id=s, title=f"Title {b[:4]}", quantity=q, unit_price=Decimal(p))
        for s, b, q, p in items
    ]
    with db.session() as session, session.begin():
        session.add(
            Order(
                id=order_id,
                buyer_id=str(uuid.uuid4()),
                status=status,
                total=sum(line.unit_price * line.quantity for line in lines),
                currency="USD",
                shipping_address={},
                payment_brand="visa",
                payment_last4="4242",
                payment_status="captured",
                authorization_id="auth",
                created_at=at,
                updated_at=at,
                items=lines,
            )
        )
    return order_id


@pytest.fixture(scope="module")
def known(client: FlaskClient, minter: TokenMinter) -> dict[str, Any]:
    """Five orders of one seller (and a stranger's item): two count in 30 days, one in 60."""
    db = client.application.extensions["db"]
    seller, stranger = str(uuid.uuid4()), str(uuid.uuid4())
    one, two = str(uuid.uuid4()), str(uuid.uuid4())
    place(db, "paid", timedelta(0), (seller, one, 2, "10.00"), (stranger, two, 1, "5.00"))
    place(db, "delivered", timedelta(days=2), (seller, two, 1, "7.50"), (seller, one, 1, "10.00"))
    place(db, "cancelled", timedelta(0), (seller, one, 1, "10.00"))
    place(db, "pending", timedelta(0), (seller, one, 1, "10.00"))
    place(db, "shipped", timedelta(days=40), (seller, two, 3, "7.50"))
    headers = {"Authorization": f"Bearer {minter.token(seller, 'Seller')}"}
    return {"headers": headers, "one": one, "two": two}


def summary(client: FlaskClient, known: dict[str, Any], **params: Any) -> dict[str, Any]:
    response = client.get("/api/me/sales/summary", query_string=params, headers=known["headers"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_summary_counts_paid_orders_of_the_period_only(
    client: FlaskClient, known: dict[str, Any]
) -> None:
    figures = summary(client, known, days=30)
    assert (figures["days"], figures["revenue"], figures["orders"]) == (30, "37.50", 2)
    assert (figures["items_sold"], figures["average_order_value"]) == (4, "18.75")
    assert figures["top_books"] == [
        {
            "book_id": known["one"],
            "title": f"Title {known['one'][:4]}",
            "items": 3,
            "revenue": "30.00",
        },
        {
            "book_id": known["two"],
            "title": f"Title {known['two'][:4]}",
            "items": 1,
            "revenue": "7.50",
        },
    ]
    assert figures["rating"] == {"average": None, "count": 0}


def test_by_day_lists_every_utc_day_of_the_period_oldest_first(
    client: FlaskClient, known: dict[str, Any]
) -> None:
    days = summary(client, known, days=30)["by_day"]
    assert len(days) == 30 and days[-1]["date"] == NOW.date().isoformat()
    assert days[-1] == {"date": NOW.date().isoformat(), "revenue": "20.00", "items": 2}
    assert days[-3]["revenue"] == "17.50" and days[-3]["items"] == 2
    assert sum(Decimal(d["revenue"]) for d in days) == Decimal("37.50")


def test_a_longer_period_takes_older_orders_in(client: FlaskClient, known: dict[str, Any]) -> None:
    figures = summary(client, known, days=60)
    assert (figures["revenue"], figures["orders"], figures["items_sold"]) == ("60.00", 3, 7)
    assert summary(client, known)["days"] == 30  # the default


def test_the_summary_matches_my_sales_to_the_cent(
    client: FlaskClient, known: dict[str, Any]
) -> None:
    sales = client.get("/api/me/sales?per_page=100", headers=known["headers"]).get_json()
    counted = [s for s in sales["items"] if s["status"] in SOLD]
    in_60_days = sum(Decimal(s["subtotal"]) for s in counted)
    assert f"{in_60_days:.2f}" == summary(client, known, days=365)["revenue"]


@pytest.mark.parametrize("days", ["0", "366", "-1", "abc", "1.5", "9" * 50, "٣"])
def test_days_outside_1_to_365_are_422(
    client: FlaskClient, known: dict[str, Any], days: str
) -> None:
    response = client.get(f"/api/me/sales/summary?days={days}", headers=known["headers"])
    assert response.status_code == 422 and "days" in response.get_json()["error"]["fields"]


def test_the_summary_and_the_csv_need_a_sign_in(client: FlaskClient) -> None:
    assert client.get("/api/me/sales/summary").status_code == 401
    assert client.get("/api/me/sales.csv").status_code == 401


def test_the_csv_has_a_header_and_one_row_per_item_sold(
    client: FlaskClient, known: dict[str, Any]
) -> None:
    response = client.get("/api/me/sales.csv", headers=known["headers"])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["order_id", "date", "title", "quantity", "unit_price", "subtotal", "status"]
    assert len(rows) == 1 + 6
    assert sorted(r[6] for r in rows[1:]) == sorted(
        ["paid", "delivered", "delivered", "cancelled", "pending", "shipped"]
    )
    assert rows[1][1] == NOW.date().isoformat() and {r[5] for r in rows[1:]} >= {"20.00", "22.50"}


def test_a_csv_cell_is_never_a_spreadsheet_formula(
    client: FlaskClient, minter: TokenMinter
) -> None:
    db = client.application.extensions["db"]
    seller = str(uuid.uuid4())
    order_id = place(db, "paid", timedelta(0), (seller, str(uuid.uuid4()), 1, "1.00"))
    with db.session() as session, session.begin():
        session.query(OrderItem).filter_by(order_id=order_id).update({"title": "=HYPERLINK(1)"})
    headers = {"Authorization": f"Bearer {minter.token(seller, 'S')}"}
    rows = list(
        csv.reader(
            io.StringIO(client.get("/api/me/sales.csv", headers=headers).get_data(as_text=True))
        )
    )
    assert rows[1][2] == "'=HYPERLINK(1)"


def test_the_rating_is_the_average_of_the_sellers_reviews(
    client: FlaskClient, minter: TokenMinter
) -> None:
    db = client.application.extensions["db"]
    seller = str(uuid.uuid4())
    with db.session() as session, session.begin():
        for rating in (5, 4, 4):
            session.add(
                Review(
                    id=str(uuid.uuid4()),
                    shipment_id=str(uuid.uuid4()),
                    order_id=str(uuid.uuid4()),
                    seller_id=seller,
                    buyer_id=str(uuid.uuid4()),
                    buyer_name="B",
                    rating=rating,
                    comment=None,
                    created_at=NOW,
                )
            )
    headers = {"Authorization": f"Bearer {minter.token(seller, 'S')}"}
    figures = client.get("/api/me/sales/summary", headers=headers).get_json()
    assert figures["rating"] == {"average": 4.33, "count": 3}


def test_a_part_the_sellers_cancelled_shipment_refunded_is_not_revenue(
    client: FlaskClient, minter: TokenMinter
) -> None:
    """Two sellers in one order: one ships (the order goes on to `delivered`), the other cancels
    their shipment (refunded, stock back). Only the shipped part is the second seller's sale."""
    db = client.application.extensions["db"]
    shipped, cancelled = str(uuid.uuid4()), str(uuid.uuid4())
    order_id = place(
        db,
        "delivered",
        timedelta(0),
        (shipped, str(uuid.uuid4()), 1, "12.00"),
        (cancelled, str(uuid.uuid4()), 2, "4.00"),
    )
    with db.session() as session, session.begin():
        for seller, status, subtotal in (
            (shipped, "delivered", "12.00"),
            (cancelled, "cancelled", "8.00"),
        ):
            session.add(
                Shipment(
                    id=str(uuid.uuid4()),
                    order_id=order_id,
                    seller_id=seller,
                    status=status,
                    subtotal=Decimal(subtotal),
                    ship_by=NOW,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )

    def revenue(seller: str) -> tuple[str, int]:
        headers = {"Authorization": f"Bearer {minter.token(seller, 'Seller')}"}
        figures = client.get("/api/me/sales/summary", headers=headers).get_json()
        return figures["revenue"], figures["orders"]

    assert revenue(shipped) == ("12.00", 1)
    assert revenue(cancelled) == ("0.00", 0)
