"""auth_service tables: users, access and refresh tokens, revocations, throttles, resets."""

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


class IssuedAccessToken(Base):
    """An access token minted here, kept until it expires so that a password reset (or a reused
    refresh token) can revoke every token of a user, or of one sign-in, by its jti."""

    __tablename__ = "issued_access_tokens"

    jti: Mapped[str] = mapped_column(exact(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(exact(36), index=True)
    family_id: Mapped[str] = mapped_column(exact(36), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(), index=True)


class RefreshToken(Base):
    """A refresh token, stored as the SHA-256 of its value. One sign-in is one family: each
    refresh spends a token and adds the next; a spent one presented again revokes the family."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(exact(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(exact(36), index=True)
    user_id: Mapped[str] = mapped_column(exact(36), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime())
    expires_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    spent_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)


class PasswordReset(Base):
    """A password-reset token (its SHA-256), single use, valid for an hour."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(exact(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(exact(36), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    expires_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)


class ResetRequest(Base):
    """A password-reset request, counted per e-mail and per client address (whether or not the
    e-mail has an account, so the throttle tells nothing about accounts)."""

    __tablename__ = "reset_requests"
    __table_args__ = (
        Index("ix_reset_requests_email", "email", "requested_at"),
        Index("ix_reset_requests_client", "client", "requested_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(exact(254))
    client: Mapped[str] = mapped_column(exact(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
