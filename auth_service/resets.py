"""Password reset: a single-use token, valid one hour, stored as its SHA-256 only.

Asking always succeeds alike (202) whether the e-mail has an account or not; only when it has
does auth.password_reset_requested leave through the outbox, for notification_service to e-mail
the link. Using the token sets the new password and revokes every access and refresh token of
the account. The token is never logged: only its hash is stored and looked up.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from auth_service import refresh, throttle
from auth_service.events import record
from auth_service.models import LoginFailure, PasswordReset, User
from shared.events.catalogue import PasswordResetRequested

Sessions = sessionmaker[Session]
RESET_TTL = timedelta(hours=1)  # docs/api.md: the link is valid for one hour


class InvalidResetToken(Exception):
    """Unknown, used or expired: one answer for all three."""


def request_reset(
    *,
    sessions: Sessions,
    policy: throttle.ThrottlePolicy,
    email: str,
    client: str,
    correlation_id: str | None = None,
) -> None:
    """Count the request (Throttled past the limits), then, if the account exists, mint a token
    and publish the event carrying it, in the same transaction."""
    now = refresh.utc_now()
    with sessions() as session, session.begin():
        throttle.record_reset_request(session, policy=policy, email=email, client=client, now=now)
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            return
        token = secrets.token_urlsafe(32)
        expires_at = now + RESET_TTL
        session.add(
            PasswordReset(
                token_hash=refresh.digest(token),
                user_id=user.id,
                created_at=now,
                expires_at=expires_at,
            )
        )
        session.flush()
        event = PasswordResetRequested(
            user_id=user.id,
            email=user.email,
            name=user.name,
            token=token,
            link=f"/reset-password?token={quote(token)}",  # the frontend's page
            expires_at=expires_at,
        )
        record(session, event, correlation_id=correlation_id)


def account_for(*, sessions: Sessions, token: str) -> User | None:
    """The account a usable token belongs to (a first, unlocked look), or None."""
    now = refresh.utc_now()
    with sessions() as session:
        row = session.get(PasswordReset, refresh.digest(token))
        if row is None or row.used_at is not None or row.expires_at <= now:
            return None
        return session.get(User, row.user_id)


def confirm_reset(
    *,
    sessions: Sessions,
    token: str,
    password_hash: str,
    correlation_id: str | None = None,
) -> None:
    """Spend the token, set the (already hashed) password and revoke every token of the user:
    InvalidResetToken if the token is no longer usable (a concurrent use won)."""
    now = refresh.utc_now()
    with sessions() as session, session.begin():
        row = session.scalar(
            select(PasswordReset)
            .where(PasswordReset.token_hash == refresh.digest(token))
            .with_for_update()
        )
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise InvalidResetToken()
        user = session.get(User, row.user_id)
        if user is None:
            raise InvalidResetToken()
        user.password_hash = password_hash
        session.execute(  # every other outstanding link of the account is void too
            update(PasswordReset)
            .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
            .values(used_at=now)
        )
        # the owner proved who they are: their failed logins no longer count against them
        session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
        refresh.revoke_user(session, user_id=user.id, now=now, correlation_id=correlation_id)
