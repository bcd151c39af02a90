"""Operator paths: the demo catalogue loads once through the outbox; republish sends every book."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from catalog_service import demo, service
from catalog_service.db import Database
from catalog_service.republish import republish_all
from shared.db import migrate
from tests.integration.test_catalog_api import MIGRATIONS

UNREACHABLE = "http://127.0.0.1:9"  # discard port: the auth API is not there


@pytest.fixture(scope="module")
def db(database_factory: Any) -> Iterator[Database]:
    url = database_factory("catalog_ops")
    migrate(url, MIGRATIONS)
    database = Database(url)
    yield database
    database.engine.dispose()


def outbox_types(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(text("SELECT event_type FROM outbox ORDER BY id")).scalars())


def test_the_demo_catalogue_loads_once_with_events_for_every_book(db: Database) -> None:
    created = demo.load(sessions=db.session, gateway_url=UNREACHABLE)
    assert created >= 150
    assert outbox_types(db).count("book.created") == created
    assert demo.load(sessions=db.session, gateway_url=UNREACHABLE) == 0
    assert outbox_types(db).count("book.created") == created


def test_the_demo_catalogue_is_varied(db: Database) -> None:
    demo.load(sessions=db.session, gateway_url=UNREACHABLE)
    categories = service.categories(sessions=db.session)
    assert len(categories) >= 10
    with db.engine.connect() as conn:
        sellers, conditions, prices = conn.execute(
            text(
                "SELECT COUNT(DISTINCT seller_id), COUNT(DISTINCT `condition`), "
                "COUNT(DISTINCT price) FROM books"
            )
        ).one()
    assert sellers >= 3 and conditions == 5 and prices > 50


def test_republish_sends_every_book_as_updated_without_changing_versions(db: Database) -> None:
    demo.load(sessions=db.session, gateway_url=UNREACHABLE)
    with db.engine.connect() as conn:
        books = conn.execute(text("SELECT COUNT(*) FROM books")).scalar()
        before = conn.execute(text("SELECT MAX(id) FROM outbox")).scalar()
    assert republish_all(sessions=db.session, batch=50) == books
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT payload FROM outbox WHERE id > :id"), {"id": before}
        ).scalars()
        events = [json.loads(row) for row in rows]
        versions = dict(conn.execute(text("SELECT id, version FROM books")).all())
    assert len(events) == books and {e["type"] for e in events} == {"book.updated"}
    assert all(e["data"]["version"] == versions[e["data"]["book_id"]] for e in events)
    assert len({e["data"]["book_id"] for e in events}) == books
