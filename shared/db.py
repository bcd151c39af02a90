"""Database helpers every service shares: engines, creating the database, migrating safely.

Every connection's life and every wait is bounded (issue 18): Swarm's VIP drops a connection idle
for 900 s without telling either end, so the pool recycles connections well before that, TCP
keepalive probes find a dead peer within about a minute, and PyMySQL gives up on a read or a
write that hangs for `IO_TIMEOUT_SECONDS`. A connection that sat in the pool for a while is
pinged before use; one in constant use is not (a ping per request was a quarter of a book read).
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

POOL_RECYCLE_SECONDS = 600  # below the 900 s after which Swarm's VIP silently drops a connection
IO_TIMEOUT_SECONDS = 60  # above innodb_lock_wait_timeout (50 s): a lock wait is not a dead peer
PING_AFTER_IDLE_SECONDS = 5.0  # a connection idle in the pool longer than this is pinged first
KEEPALIVE = {"TCP_KEEPIDLE": 30, "TCP_KEEPINTVL": 10, "TCP_KEEPCNT": 3}  # dead peer seen in ~60 s


def utcnow() -> datetime:
    """Now in UTC, naive: how every service's DATETIME columns store time."""
    return datetime.now(UTC).replace(tzinfo=None)


def connect_args() -> dict[str, Any]:
    """PyMySQL arguments: bounded connect, read and write, utf8mb4."""
    return {
        "connect_timeout": 5,
        "read_timeout": IO_TIMEOUT_SECONDS,
        "write_timeout": IO_TIMEOUT_SECONDS,
        "charset": "utf8mb4",
    }


def make_engine(
    url: str, *, pool_size: int = 10, autocommit: bool = False, isolation_level: str | None = None
) -> Engine:
    """An engine that survives server restarts and dead peers, and never waits forever.

    `autocommit`: for read-only work that is one statement at a time; such a connection needs
    no ROLLBACK when the session closes or the pool takes it back (one round trip per read).
    `isolation_level`: set once when a connection opens. `engine.execution_options(
    isolation_level=...)` instead costs two statements per checkout (SET, then SET back).
    """
    options: dict[str, Any] = {}
    if isolation_level is not None:
        options["isolation_level"] = isolation_level
    if autocommit:
        options = {
            "isolation_level": "AUTOCOMMIT",
            "skip_autocommit_rollback": True,
            "pool_reset_on_return": None,
        }
    engine = create_engine(
        url,
        pool_recycle=POOL_RECYCLE_SECONDS,
        pool_size=pool_size,
        max_overflow=20,
        pool_timeout=10,
        connect_args=connect_args(),
        hide_parameters=True,  # errors and logs never carry e-mails, hashes or addresses
        **options,
    )
    event.listen(engine, "connect", _keep_alive)
    event.listen(engine, "checkin", _stamp_idle)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _keep_alive(dbapi_connection: Any, _record: Any) -> None:
    """TCP keepalive with short timers, so a peer that vanished without a FIN is noticed."""
    sock = getattr(dbapi_connection, "_sock", None)
    if sock is None:
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in KEEPALIVE.items():
        if hasattr(socket, name):  # Linux names; other systems keep their defaults
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


def _stamp_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Pre-ping only a connection that sat unused: a killed one is replaced, not handed out."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping(reconnect=False)
    except Exception as error:
        raise exc.DisconnectionError(f"stale pooled connection: {error}") from error


class Database:
    """A service's engines and session factories (each service declares its own Base).

    `session` is for use cases (transactions); `reader` for public reads of one statement each,
    on a pool of autocommit connections (no snapshot to end, no ROLLBACK round trip).
    """

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self.session: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine: Engine = make_engine(url, autocommit=True)
        self.reader: sessionmaker[Session] = sessionmaker(self.read_engine, expire_on_commit=False)


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
