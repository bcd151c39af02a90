"""Database connections are bounded (issue 18) and a public read is one round trip (issue 12)."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy.exc
from sqlalchemy import create_engine, text

import shared.db
from shared.db import Database, make_engine

pytestmark = pytest.mark.timeout(60)


def connection_id(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT CONNECTION_ID()")).scalar())


def kill(url: str, ident: int) -> None:
    killer = create_engine(url)
    with killer.connect() as conn:
        conn.execute(text(f"KILL CONNECTION {ident}"))
    killer.dispose()


def test_a_pooled_connection_killed_while_idle_is_replaced_not_handed_out(
    database_factory, monkeypatch
):  # type: ignore[no-untyped-def]
    url = database_factory("db_idle")
    engine = make_engine(url)
    first = connection_id(engine)
    kill(url, first)
    monkeypatch.setattr(shared.db, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle "long"
    assert connection_id(engine) != first  # pinged at checkout, found dead, replaced
    engine.dispose()


def test_a_read_that_hangs_gives_up_after_the_read_timeout(database_factory, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(shared.db, "IO_TIMEOUT_SECONDS", 1)
    engine = make_engine(database_factory("db_hang"))
    with pytest.raises(sqlalchemy.exc.OperationalError) as raised, engine.connect() as conn:
        conn.execute(text("SELECT SLEEP(5)"))  # a peer that stopped answering, as seen from here
    assert raised.value.orig.args[0] == 2013  # lost connection during query: not a hang
    engine.dispose()


def test_connections_probe_a_silent_peer_with_tcp_keepalive(database_factory):  # type: ignore[no-untyped-def]
    engine = make_engine(database_factory("db_keepalive"))
    with engine.connect() as conn:
        sock = conn.connection.dbapi_connection._sock  # type: ignore[union-attr]
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
    assert engine.pool._recycle < 900  # type: ignore[attr-defined]  # below Swarm's VIP limit
    engine.dispose()


def test_a_public_read_ends_no_transaction_and_sends_no_rollback(database_factory):  # type: ignore[no-untyped-def]
    database = Database(database_factory("db_reader"))
    for _ in range(3):
        with database.reader() as session:
            session.execute(text("SELECT 1"))
    with database.reader() as session:
        assert session.execute(text("SELECT @@autocommit")).scalar() == 1
        rollbacks = session.execute(text("SHOW SESSION STATUS LIKE 'Com_rollback'")).one()[1]
    assert int(rollbacks) == 0
    assert database.read_engine.pool.checkedin() == 1  # one connection served every read
    database.engine.dispose()
    database.read_engine.dispose()
