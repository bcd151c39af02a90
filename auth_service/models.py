"""auth_service tables: users, revoked access tokens, failed login attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.db import Base
from shared.columns import exact
from shared.events import inbox_table, outbox_table

outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(exact(36), primary_key=True)
    # Normalized (trimmed, lower-cased) so the unique index is case-insensitive by construction;
    # compared byte for byte (shared.columns), so no other string can stand for it.
    email: Mapped[str] = mapped_column(exact(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime())


class RevokedToken(Base):
    """A logged-out access token, kept until it would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(exact(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime())


class LoginFailure(Base):
    """One failed login (or one in progress); counted per (email, client), email and client."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email", "email", "failed_at"),
        Index("ix_login_failures_client", "client", "failed_at"),
        Index("ix_login_failures_pair", "email", "client", "failed_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(exact(254))
    client: Mapped[str] = mapped_column(exact(64))
    failed_at: Mapped[datetime] = mapped_column(DateTime(), index=True)


class ThrottleGuard(Base):
    """A row per throttled key (e-mail, client), locked while an attempt is counted and recorded,
    so concurrent attempts on one key are counted one after the other, never all at once."""

    __tablename__ = "throttle_guards"

    key: Mapped[str] = mapped_column(exact(64), primary_key=True)  # sha256 hex of the key
    used_at: Mapped[datetime] = mapped_column(DateTime(), index=True)


class Registration(Base):
    """An account created from a client address, counted for the per-client hourly limit."""

    __tablename__ = "registrations"
    __table_args__ = (Index("ix_registrations_client", "client", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(exact(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
