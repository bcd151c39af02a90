"""Search relevance on MariaDB: the fixed set of tests/support/relevance.py (40 queries, the
demo catalogue plus 10,000 generated books) finds its book in the top 3 at least 90% of the
time, misspellings and short titles included (72.5% before search forgave; 100% when written)."""
# ruff: noqa: F811  (pytest fixtures imported from test_catalog_api are parameters here)

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from catalog_service import create_app
from shared.db import migrate
from tests.integration.test_catalog_api import MIGRATIONS, config_for, minter  # noqa: F401
from tests.support.relevance import evaluate, hit_rate, seed

MINIMUM = 0.9


@pytest.fixture(scope="module")
def client(database_factory: Any, minter: Any, rabbitmq_url: str, tmp_path_factory: Any) -> Any:
    url = database_factory("search_relevance")
    migrate(url, MIGRATIONS)
    seed(url)
    app = create_app(config_for(url, rabbitmq_url, minter, tmp_path_factory.mktemp("covers")))
    yield app.test_client()
    app.extensions["db"].engine.dispose()


def test_the_relevance_set_finds_its_books_in_the_top_3(client: FlaskClient) -> None:
    def search(q: str) -> list[dict[str, Any]]:
        response = client.get("/api/books", query_string={"q": q, "per_page": 3})
        assert response.status_code == 200
        return response.get_json()["items"]

    outcomes = evaluate(search)
    misses = [(o.query, o.top) for o in outcomes if not o.hit]
    assert len(outcomes) >= 30
    assert hit_rate(outcomes) >= MINIMUM, misses
    must = {"tolkein", "pride prejudise", "It", "The Road"}  # docs/api.md's own examples
    assert not [m for m in misses if m[0] in must]
