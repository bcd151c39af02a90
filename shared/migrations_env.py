"""The body of every service's Alembic env.py: online migrations on a given connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData, create_engine


def run_migrations(target_metadata: MetaData) -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # plain `alembic` CLI: -x url=... or sqlalchemy.url
        url = context.get_x_argument(as_dictionary=True).get(
            "url"
        ) or context.config.get_main_option("sqlalchemy.url")
        if not url:
            raise SystemExit("give the database: alembic -x url=mysql+pymysql://...")
        with create_engine(url).connect() as conn:
            _run(conn, target_metadata)
            conn.commit()
        return
    _run(connection, target_metadata)


def _run(connection, target_metadata: MetaData) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
