"""Declarative Base of auth_service; its engine and sessions come from shared.db.Database."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import Database

__all__ = ["Base", "Database"]


class Base(DeclarativeBase):
    pass
