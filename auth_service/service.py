"""auth_service use cases: each owns its transaction (commit once, roll back by default)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from auth_service import events, refresh, throttle
from auth_service.models import (
    IssuedAccessToken,
    PasswordReset,
    RefreshToken,
    ResetRequest,
    RevokedToken,
    User,
)
from auth_service.passwords import Passwords
from auth_service.throttle import Throttled
from auth_service.tokens import IssuedToken, TokenIssuer

DEFAULT_REFRESH_TTL = 14 * 24 * 3600

# Verifiers accept a few seconds of clock leeway past `exp`: keep revocations a while longer.
REVOCATION_GRACE = timedelta(seconds=60)
Sessions = sessionmaker[Session]


class EmailTaken(Exception):
    """Another account already uses this email (compared case-insensitively)."""


class InvalidCredentials(Exception):
    """Unknown email or wrong password: deliberately indistinguishable."""


@dataclass(frozen=True)
class LoginResult:
    user: User
    token: IssuedToken
    refresh_token: str = ""


def utc_now() -> datetime:
    """Naive UTC, as every DATETIME column stores it."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def register_user(
    *,
    sessions: Sessions,
    passwords: Passwords,
    policy: throttle.ThrottlePolicy,
    email: str,
    password: str,
    name: str,
    client: str,
    correlation_id: str | None = None,
) -> User:
    """Create an account and publish user.registered in the same transaction.

    Raises Throttled past the client's hourly account limit: looked at before the (costly) hash
    and counted under a lock with the account itself, so a burst cannot slip through.
    """
    with sessions() as session:
        wait = throttle.registration_wait(session, policy=policy, client=client, now=utc_now())
    if wait is not None:
        raise Throttled(wait)
    password_hash = passwords.hash(password)  # CPU-heavy: done before the transaction opens
    user = User(
        id=str(uuid.uuid4()),
        email=email,
        name=name,
        password_hash=password_hash,
        created_at=utc_now(),
    )
    with sessions() as session, session.begin():
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            raise EmailTaken(email)
        throttle.record_registration(session, policy=policy, client=client, now=utc_now())
        session.add(user)
        try:  # before the event: recording it would flush the user outside this try
            session.flush()
        except IntegrityError:  # a concurrent registration won the unique index
            raise EmailTaken(email) from None
        events.record(session, events.user_registered(user), correlation_id=correlation_id)
    return user


def log_in(
    *,
    sessions: Sessions,
    passwords: Passwords,
    issuer: TokenIssuer,
    policy: throttle.ThrottlePolicy,
    email: str,
    password: str,
    client: str,
    refresh_ttl: int = DEFAULT_REFRESH_TTL,
) -> LoginResult:
    """Record the attempt (or refuse it, throttled), check the password, then mint a token.

    The attempt is counted before the password is checked, so parallel guesses cannot all pass
    the throttle before the first failure is written; a success forgets it again.
    """
    now = utc_now()
    with sessions() as session, session.begin():
        attempt = throttle.begin_login(session, policy=policy, email=email, client=client, now=now)
        user = session.scalar(select(User).where(User.email == email))
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        if attempt.probation_wait is not None:  # past the e-mail's ceiling: refused as such
            raise Throttled(attempt.probation_wait)
        raise InvalidCredentials()
    new_hash = passwords.hash(password) if passwords.needs_rehash(user.password_hash) else None
    with sessions() as session, session.begin():
        throttle.login_succeeded(session, email=email, client=client)
        if new_hash is not None:  # parameters changed since this hash was made: upgrade it
            session.get_one(User, user.id).password_hash = new_hash
        pair = refresh.issue_pair(  # a new family: this sign-in
            session,
            issuer=issuer,
            user=user,
            family_id=refresh.new_family(),
            ttl=refresh_ttl,
            now=utc_now(),
        )
    return LoginResult(user=user, token=pair.access, refresh_token=pair.refresh_token)


def log_out(*, sessions: Sessions, jti: str, exp: int, correlation_id: str | None = None) -> bool:
    """Revoke a token until it expires and publish auth.token_revoked, with its sign-in's
    refresh tokens and other access tokens (its family); False if it already was."""
    with sessions() as session, session.begin():
        if session.get(RevokedToken, jti) is not None:
            return False
        family = refresh.family_of(session, jti)
        if family is not None:
            refresh.revoke_family(
                session, family_id=family, now=utc_now(), correlation_id=correlation_id
            )
            if session.get(RevokedToken, jti) is not None:  # revoked with its family just now
                return True
        expires_at = datetime.fromtimestamp(exp, UTC).replace(tzinfo=None)
        session.add(RevokedToken(jti=jti, expires_at=expires_at, revoked_at=utc_now()))
        try:  # before the event, as in register_user
            session.flush()
        except IntegrityError:  # the same token logged out twice at once
            return False
        revoked = events.token_revoked(jti=jti, exp=exp)
        events.record(session, revoked, correlation_id=correlation_id)
    return True


def is_revoked(*, sessions: Sessions, jti: str) -> bool:
    with sessions() as session:
        return session.get(RevokedToken, jti) is not None


def signed_in_account(*, sessions: Sessions, user_id: str, jti: str) -> User | None:
    """The token's user, or None if that token was revoked or the account is gone (one read)."""
    with sessions() as session:
        if session.get(RevokedToken, jti) is not None:
            return None
        return session.get(User, user_id)


def unexpired_revocations(*, sessions: Sessions) -> list[dict[str, object]]:
    """Every revoked token that has not expired yet: what a new gateway replica starts from."""
    cutoff = utc_now() - REVOCATION_GRACE
    with sessions() as session:
        rows = session.execute(
            select(RevokedToken.jti, RevokedToken.expires_at)
            .where(RevokedToken.expires_at > cutoff)
            .order_by(RevokedToken.expires_at)
        ).all()
    return [{"jti": jti, "exp": int(at.replace(tzinfo=UTC).timestamp())} for jti, at in rows]


def purge_expired(*, sessions: Sessions, policy: throttle.ThrottlePolicy) -> int:
    """Forget revocations of expired tokens and failures outside the window (worker timer)."""
    now = utc_now()
    with sessions() as session, session.begin():
        expired = RevokedToken.expires_at <= now - REVOCATION_GRACE
        result = session.execute(delete(RevokedToken).where(expired))
        purged = int(result.rowcount or 0)  # type: ignore[attr-defined]
        for statement in (
            delete(IssuedAccessToken).where(IssuedAccessToken.expires_at <= now),
            delete(RefreshToken).where(RefreshToken.expires_at <= now),
            delete(PasswordReset).where(PasswordReset.expires_at <= now),
            delete(ResetRequest).where(
                ResetRequest.requested_at <= now - timedelta(seconds=throttle.RESET_WINDOW)
            ),
        ):
            purged += int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
        return purged + throttle.purge(session, policy=policy, now=now)
