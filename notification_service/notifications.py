"""Inbox and preference use cases: list, unread count, mark read; e-mail preferences."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.mysql import insert
from sqlalchemy.orm import Session, sessionmaker

from notification_service.models import Notification, Preferences
from shared.contract.wants import PREFERENCES
from shared.db import utcnow


@dataclass(frozen=True)
class Page:
    items: list[Notification]
    total: int


def list_notifications(
    *, sessions: sessionmaker[Session], user_id: str, unread: bool, page: int, per_page: int
) -> Page:
    where = [Notification.user_id == user_id]
    if unread:
        where.append(Notification.read_at.is_(None))
    with sessions() as session:
        total = session.scalar(select(func.count()).where(*where)) or 0
        rows = session.scalars(
            select(Notification)
            .where(*where)
            .order_by(Notification.created_at.desc(), Notification.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        return Page(list(rows), total)


def unread_count(*, sessions: sessionmaker[Session], user_id: str) -> int:
    with sessions() as session:
        return _unread(session, user_id)


def mark_read(*, sessions: sessionmaker[Session], user_id: str, ids: list[str] | None) -> int:
    """Mark those (None: all) of the user's notifications read; others' ids change nothing."""
    with sessions() as session, session.begin():
        query = update(Notification).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
        if ids is not None:
            query = query.where(Notification.id.in_(ids))
        session.execute(query.values(read_at=utcnow()))
        return _unread(session, user_id)


def _unread(session: Session, user_id: str) -> int:
    where = (Notification.user_id == user_id, Notification.read_at.is_(None))
    return int(session.scalar(select(func.count()).where(*where)) or 0)


def get_preferences(*, sessions: sessionmaker[Session], user_id: str) -> dict[str, bool]:
    with sessions() as session:
        return _as_dict(session.get(Preferences, user_id))


def set_preferences(
    *, sessions: sessionmaker[Session], user_id: str, changes: dict[str, bool]
) -> dict[str, bool]:
    with sessions() as session, session.begin():
        # One upsert: two first saves at once land on the one row, neither deadlocks.
        values = {"user_id": user_id, **dict.fromkeys(PREFERENCES, True), **changes}
        updates: dict[str, object] = {**changes} or {"user_id": user_id}
        session.execute(insert(Preferences).values(**values).on_duplicate_key_update(**updates))
        prefs = session.scalars(
            select(Preferences).where(Preferences.user_id == user_id).with_for_update(read=True)
        ).one()
        return _as_dict(prefs)


def _as_dict(prefs: Preferences | None) -> dict[str, bool]:
    return {name: True if prefs is None else bool(getattr(prefs, name)) for name in PREFERENCES}
