"""Refresh tokens: one family per sign-in, rotated at each use, stored only as SHA-256 hashes.

A refresh spends the presented token and returns a new pair (access + refresh) in the same
family, the new refresh token valid for the full TTL again (sliding). A spent token presented
again means it was copied: the whole family is revoked, with every unexpired access token minted
in it (auth.token_revoked, as at logout). Logout revokes the caller's family; a password reset
revokes every family and access token of the user.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from auth_service import events
from auth_service.models import IssuedAccessToken, RefreshToken, RevokedToken, User
from auth_service.tokens import IssuedToken, TokenIssuer

Sessions = sessionmaker[Session]
TOKEN_MAX = 200  # what a refresh (or reset) token presented to us may be at most


class InvalidRefreshToken(Exception):
    """Unknown, spent, expired or revoked: deliberately one answer."""


@dataclass(frozen=True)
class TokenPair:
    access: IssuedToken
    refresh_token: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def issue_pair(
    session: Session,
    *,
    issuer: TokenIssuer,
    user: User,
    family_id: str,
    ttl: int,
    now: datetime,
) -> TokenPair:
    """Mint an access token and a refresh token in `family_id` (inside the caller's transaction)."""
    access = issuer.issue(user_id=user.id, email=user.email, name=user.name)
    session.add(
        IssuedAccessToken(
            jti=access.jti,
            user_id=user.id,
            family_id=family_id,
            expires_at=now + timedelta(seconds=access.expires_in + 5),
        )
    )
    value = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            token_hash=digest(value),
            family_id=family_id,
            user_id=user.id,
            issued_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    return TokenPair(access=access, refresh_token=value)


def new_family() -> str:
    return str(uuid.uuid4())


def rotate(
    *,
    sessions: Sessions,
    issuer: TokenIssuer,
    ttl: int,
    token: str,
    correlation_id: str | None = None,
) -> TokenPair:
    """Spend `token` and return the next pair, or raise InvalidRefreshToken (revoking the family
    first when a spent token comes back)."""
    now = utc_now()
    reused = False
    with sessions() as session, session.begin():
        row = session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == digest(token)).with_for_update()
        )
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise InvalidRefreshToken()
        if row.spent_at is not None:
            reused = True
            revoke_family(session, family_id=row.family_id, now=now, correlation_id=correlation_id)
        else:
            user = session.get(User, row.user_id)
            if user is None:
                raise InvalidRefreshToken()
            row.spent_at = now
            pair = issue_pair(
                session, issuer=issuer, user=user, family_id=row.family_id, ttl=ttl, now=now
            )
    if reused:  # committed above: the revocation stands although this call fails
        raise InvalidRefreshToken()
    return pair


def revoke_family(
    session: Session, *, family_id: str, now: datetime, correlation_id: str | None = None
) -> None:
    """Revoke one sign-in: its refresh tokens and its unexpired access tokens."""
    _revoke(session, IssuedAccessToken.family_id == family_id, now, correlation_id)
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_user(
    session: Session, *, user_id: str, now: datetime, correlation_id: str | None = None
) -> None:
    """Revoke every sign-in of a user (after a password reset)."""
    _revoke(session, IssuedAccessToken.user_id == user_id, now, correlation_id)
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def family_of(session: Session, jti: str) -> str | None:
    return session.scalar(select(IssuedAccessToken.family_id).where(IssuedAccessToken.jti == jti))


def _revoke(session: Session, match: object, now: datetime, correlation_id: str | None) -> None:
    rows = session.execute(
        select(IssuedAccessToken.jti, IssuedAccessToken.expires_at).where(
            match,  # type: ignore[arg-type]
            IssuedAccessToken.expires_at > now,
        )
    ).all()
    for jti, expires_at in rows:
        if session.get(RevokedToken, jti) is not None:
            continue
        session.add(RevokedToken(jti=jti, expires_at=expires_at, revoked_at=now))
        session.flush()
        exp = int(expires_at.replace(tzinfo=UTC).timestamp())
        events.record(
            session, events.token_revoked(jti=jti, exp=exp), correlation_id=correlation_id
        )
