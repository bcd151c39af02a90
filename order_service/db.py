"""Engine, session factory and declarative Base of order_service."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from shared.db import make_engine


class Base(DeclarativeBase):
    pass


class Database:
    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self.session: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
