"""Declarative Base of notification_service (engine and sessions: shared.db.Database)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import Database

__all__ = ["Base", "Database"]


class Base(DeclarativeBase):
    pass
