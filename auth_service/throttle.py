"""Login and registration throttling, counted in the auth database so every replica agrees.

Logins are limited per (e-mail, client) and per client: a stranger guessing a password is stopped
after `pair_limit` failures without locking the owner out from their own address. Every client
together gets `email_limit` failures on one e-mail; past that ceiling only a client that has not
failed on it may still try (the owner, signing in from home), and a wrong guess from it is
refused too. Each attempt is recorded *before* the password is checked (and forgotten when it
succeeds) while a guard row per key is locked, so concurrent guesses are counted one by one.
Windows slide: once enough failures age out, a key may try again.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.dialects.mysql import insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from auth_service.models import LoginFailure, Registration, ResetRequest, ThrottleGuard

REGISTRATION_WINDOW = 3600  # docs/api.md: accounts per client address per hour
RESET_WINDOW = 3600  # password-reset requests per e-mail and per client address per hour


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"throttled for {retry_after}s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    window: int = 900
    pair_limit: int = 5  # one client guessing one e-mail
    client_limit: int = 50  # one client, whatever the e-mails
    email_limit: int = 100  # every client together on one e-mail (see the module docstring)
    registration_limit: int = 20  # accounts created per client address per hour
    reset_email_limit: int = 3  # password-reset e-mails per address per hour
    reset_client_limit: int = 20  # password-reset requests per client address per hour


@dataclass(frozen=True)
class Attempt:
    """A login attempt admitted and recorded as a failure until it succeeds."""

    failure_id: int
    # Set when the e-mail is past its ceiling: a wrong password is then a 429 with this wait.
    probation_wait: int | None


def begin_login(
    session: Session, *, policy: ThrottlePolicy, email: str, client: str, now: datetime
) -> Attempt:
    """Admit and record one login attempt (inside the caller's transaction), or raise Throttled."""
    _lock(session, [f"email:{email}", f"client:{client}"], now)
    pair = (LoginFailure.email == email) & (LoginFailure.client == client)
    since = now - timedelta(seconds=policy.window)
    waits = [
        _wait(session, LoginFailure.failed_at, pair, policy.pair_limit, since),
        _wait(
            session,
            LoginFailure.failed_at,
            LoginFailure.client == client,
            policy.client_limit,
            since,
        ),
    ]
    found = [wait for wait in waits if wait is not None]
    if found:
        raise Throttled(max(found))
    ceiling = _wait(
        session, LoginFailure.failed_at, LoginFailure.email == email, policy.email_limit, since
    )
    if ceiling is not None and _wait(session, LoginFailure.failed_at, pair, 1, since):
        raise Throttled(ceiling)  # past the ceiling, only clients with a clean record may try
    failure = LoginFailure(email=email, client=client, failed_at=now)
    session.add(failure)
    session.flush()
    return Attempt(failure_id=failure.id, probation_wait=ceiling)


def login_succeeded(session: Session, *, email: str, client: str) -> None:
    """The attempt was right: forget this client's failures on this e-mail (its own included)."""
    session.execute(
        delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.client == client)
    )


def registration_wait(
    session: Session, *, policy: ThrottlePolicy, client: str, now: datetime
) -> int | None:
    """Seconds until `client` may create another account, or None (a cheap unlocked look)."""
    since = now - timedelta(seconds=REGISTRATION_WINDOW)
    return _wait(
        session,
        Registration.created_at,
        Registration.client == client,
        policy.registration_limit,
        since,
    )


def record_registration(
    session: Session, *, policy: ThrottlePolicy, client: str, now: datetime
) -> None:
    """Count one account for `client` (inside the registration's transaction) or raise."""
    _lock(session, [f"registration:{client}"], now)
    wait = registration_wait(session, policy=policy, client=client, now=now)
    if wait is not None:
        raise Throttled(wait)
    session.add(Registration(client=client, created_at=now))


def record_reset_request(
    session: Session, *, policy: ThrottlePolicy, email: str, client: str, now: datetime
) -> None:
    """Count one password-reset request (whether or not the e-mail has an account) or raise."""
    _lock(session, [f"reset-email:{email}", f"reset-client:{client}"], now)
    since = now - timedelta(seconds=RESET_WINDOW)
    at = ResetRequest.requested_at
    waits = [
        _wait(session, at, ResetRequest.email == email, policy.reset_email_limit, since),
        _wait(session, at, ResetRequest.client == client, policy.reset_client_limit, since),
    ]
    found = [wait for wait in waits if wait is not None]
    if found:
        raise Throttled(max(found))
    session.add(ResetRequest(email=email, client=client, requested_at=now))


def purge(session: Session, *, policy: ThrottlePolicy, now: datetime) -> int:
    """Delete failures, guards and registrations that can no longer count (worker timer)."""
    login_cutoff = now - timedelta(seconds=policy.window)
    purged = 0
    for statement in (
        delete(LoginFailure).where(LoginFailure.failed_at <= login_cutoff),
        delete(ThrottleGuard).where(ThrottleGuard.used_at <= login_cutoff),
        delete(Registration).where(
            Registration.created_at <= now - timedelta(seconds=REGISTRATION_WINDOW)
        ),
    ):
        purged += int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
    return purged


def _lock(session: Session, keys: list[str], now: datetime) -> None:
    """Lock one guard row per key, in a fixed order so two attempts never deadlock."""
    for digest in sorted(hashlib.sha256(key.encode()).hexdigest() for key in keys):
        upsert = insert(ThrottleGuard).values(key=digest, used_at=now)
        session.execute(upsert.on_duplicate_key_update(used_at=now))


def _wait(
    session: Session,
    at: InstrumentedAttribute[datetime],
    match: ColumnElement[bool],
    limit: int,
    since: datetime,
) -> int | None:
    """Seconds until fewer than `limit` rows matching `match` fall inside the window, or None.

    The limit-th most recent row inside the window: once it ages out, the count drops below the
    limit again.
    """
    recent: list[Any] = list(
        session.scalars(select(at).where(match, at > since).order_by(at.desc()).limit(limit))
    )
    if len(recent) < limit:
        return None
    return max(1, math.ceil((recent[-1] - since).total_seconds()))
