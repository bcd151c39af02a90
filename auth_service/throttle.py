"""Login throttling counted in the auth database, so every api replica sees the same counts.

A sliding window: an email with `email_limit` failures, or a client address with `client_limit`,
within the last `window` seconds is refused until enough of those failures age out of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from auth_service.models import LoginFailure


@dataclass(frozen=True)
class ThrottlePolicy:
    window: int = 900
    email_limit: int = 5
    client_limit: int = 50


def retry_after(
    session: Session, *, policy: ThrottlePolicy, email: str, client: str, now: datetime
) -> int | None:
    """Seconds until a login for (email, client) may be tried again, or None if allowed now."""
    waits = [
        _wait(session, LoginFailure.email == email, policy.email_limit, policy.window, now),
        _wait(session, LoginFailure.client == client, policy.client_limit, policy.window, now),
    ]
    found = [w for w in waits if w is not None]
    return max(found) if found else None


def _wait(session: Session, match: object, limit: int, window: int, now: datetime) -> int | None:
    # The limit-th most recent failure inside the window: once it ages out, the count drops
    # below the limit again.
    recent = session.scalars(
        select(LoginFailure.failed_at)
        .where(match, LoginFailure.failed_at > now - timedelta(seconds=window))  # type: ignore[arg-type]
        .order_by(LoginFailure.failed_at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return None
    seconds = (recent[-1] + timedelta(seconds=window) - now).total_seconds()
    return max(1, math.ceil(seconds))


def record_failure(session: Session, *, email: str, client: str, now: datetime) -> None:
    session.add(LoginFailure(email=email, client=client[:64], failed_at=now))


def forget_email(session: Session, *, email: str) -> None:
    """A successful login clears the email's failures (the client's still count)."""
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))


def purge_failures(session: Session, *, policy: ThrottlePolicy, now: datetime) -> int:
    """Delete failures older than the window (they can no longer count)."""
    cutoff = now - timedelta(seconds=policy.window)
    result = session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
