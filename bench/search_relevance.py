"""Search relevance: the hit rate of tests/support/relevance.py's queries (target in the top 3)
over the demo catalogue plus 10,000 generated books, on a fresh database.

    .venv/bin/python -m bench.search_relevance            # the search of this working tree
    PYTHONPATH=<an older tree> .venv/bin/python -m bench.search_relevance   # "before"

It runs the catalog app in process (search quality, not speed: bench.catalog_browse measures
that), and prints each query's outcome and the hit rate.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

import catalog_service
from catalog_service import create_app
from catalog_service.config import Config
from shared.db import migrate
from tests.support.relevance import GENERATED, evaluate, hit_rate, seed
from tests.support.tokens import AUDIENCE, ISSUER, TokenMinter

SERVER = "mysql+pymysql://root@127.0.0.1:3306/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=GENERATED)
    args = parser.parse_args()
    name = f"bench_relevance_{uuid.uuid4().hex[:6]}"
    url = SERVER + name
    migrate(url, Path(catalog_service.__file__).parent / "migrations")
    seed(url, args.generated)
    keys = Path(tempfile.mkdtemp())
    minter = TokenMinter.create(keys)
    config = Config(
        database_url=url,
        rabbitmq_url="amqp://guest:guest@127.0.0.1:5672/%2F",
        event_prefix="unused.",
        jwt_public_key_file=str(minter.public_file),
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        log_level="WARNING",
        worker_health_port=0,
        covers_dir=str(keys / "covers"),
        follow_revocations=False,
    )
    client = create_app(config).test_client()

    def search(q: str) -> list[dict[str, Any]]:
        return client.get("/api/books", query_string={"q": q, "per_page": 3}).get_json()["items"]

    try:
        outcomes = evaluate(search)
    finally:
        engine = create_engine(SERVER)
        with engine.begin() as conn:
            conn.execute(text(f"DROP DATABASE `{name}`"))
        engine.dispose()
    for o in outcomes:
        print(f"{'hit ' if o.hit else 'MISS'}  {o.query!r:34} -> {o.target!r:45} top: {o.top}")
    print(f"code: {Path(catalog_service.__file__).parent}")
    print(f"hit rate: {hit_rate(outcomes):.1%} ({sum(o.hit for o in outcomes)}/{len(outcomes)})")


if __name__ == "__main__":
    main()
