"""The outbox and inbox tables every service database holds, for models and migrations alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects.mysql import MEDIUMTEXT

OUTBOX = "outbox"
INBOX = "processed_events"


def _outbox_columns() -> list[Any]:
    return [
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(100), nullable=False),
        Column("correlation_id", String(100)),
        Column("payload", Text().with_variant(MEDIUMTEXT(), "mysql", "mariadb"), nullable=False),
        Column("created_at", DateTime(), nullable=False),
        Column("sent_at", DateTime()),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", String(500)),
    ]


def _inbox_columns() -> list[Any]:
    return [
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", DateTime(), nullable=False),
    ]


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table bound to a service's metadata."""
    return Table(OUTBOX, metadata, *_outbox_columns(), Index("ix_outbox_pending", "sent_at", "id"))


def inbox_table(metadata: MetaData) -> Table:
    """The inbox (processed event ids) table bound to a service's metadata."""
    return Table(INBOX, metadata, *_inbox_columns())


def create_event_tables(op: Any) -> None:
    """Alembic: create both tables (used by each service's first migration)."""
    op.create_table(OUTBOX, *_outbox_columns())
    op.create_index("ix_outbox_pending", OUTBOX, ["sent_at", "id"])
    op.create_table(INBOX, *_inbox_columns())


def drop_event_tables(op: Any) -> None:
    op.drop_table(INBOX)
    op.drop_table(OUTBOX)
