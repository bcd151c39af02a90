"""Database helpers every service shares: engines, creating the database, migrating safely."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def utcnow() -> datetime:
    """Now in UTC, naive: how every service's DATETIME columns store time."""
    return datetime.now(UTC).replace(tzinfo=None)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine that survives server restarts (pre-ping, recycle) and never waits forever."""
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_size=pool_size,
        max_overflow=20,
        pool_timeout=10,
        connect_args={"connect_timeout": 5, "charset": "utf8mb4"},
    )


class Database:
    """A service's engine and session factory (each service declares its own Base)."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self.session: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)


def ensure_database(url: str) -> None:
    """CREATE DATABASE IF NOT EXISTS (utf8mb4) for the database named in `url`."""
    parsed = make_url(url)
    name = parsed.database
    server = create_engine(parsed.set(database=""), connect_args={"connect_timeout": 5})
    with server.connect() as conn:
        conn.execute(
            text(
                f"CREATE DATABASE IF NOT EXISTS `{name}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        )
    server.dispose()


def migrate(url: str, migrations_dir: Path) -> None:
    """Create the database if needed and upgrade to head, one process at a time (named lock)."""
    ensure_database(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        locked = conn.execute(text("SELECT GET_LOCK(CONCAT(DATABASE(), '.migrate'), 300)"))
        if locked.scalar() != 1:
            raise RuntimeError("another process held the migration lock for 5 minutes")
        try:
            config = Config()
            config.set_main_option("script_location", str(migrations_dir))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
            conn.commit()
        finally:
            conn.execute(text("SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.migrate'))"))
    engine.dispose()
