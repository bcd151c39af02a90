"""Want use cases: create (matched at once against the listings we know), list, delete, demand."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from notification_service import matcher
from notification_service.matching import fold
from notification_service.models import Want, WantMatch
from shared.contract.isbn import isbn13
from shared.contract.wants import WANT_TEXT_MAX, WANTS_PER_USER_MAX, WantCreate
from shared.db import utcnow
from shared.domain import Invalid, NotFound


@dataclass(frozen=True)
class WantView:
    want: Want
    matches: list[WantMatch]


@dataclass(frozen=True)
class Page:
    items: list
    total: int


def create_want(*, sessions: sessionmaker[Session], user_id: str, want: WantCreate) -> WantView:
    """Keep the want and match it against every listing in stock now (those are in `matches`)."""
    with sessions() as session, session.begin():
        # The user's wants, locked: two concurrent creations cannot both pass the limit.
        held = session.scalars(
            select(Want.id).where(Want.user_id == user_id).with_for_update()
        ).all()
        if len(held) >= WANTS_PER_USER_MAX:
            raise Invalid(
                f"At most {WANTS_PER_USER_MAX} wants per user.",
                fields={"wants": f"at most {WANTS_PER_USER_MAX}"},
            )
        row = Want(
            id=str(uuid.uuid4()),
            user_id=user_id,
            isbn=want.isbn,
            isbn13=isbn13(want.isbn) if want.isbn else None,
            title=want.title,
            author=want.author,
            title_key=_key(want.title),
            author_key=_key(want.author),
            max_price=want.max_price,
            min_condition=want.min_condition,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        rule = matcher.rule(row)
        for book in matcher.listings_for(session, rule):
            matcher.new_matches(session, [rule], book)
        session.flush()
        return WantView(row, _matches(session, [row.id]).get(row.id, []))


def _key(text: str | None) -> str | None:
    """What a title or author is matched by (case, accents and spaces folded), bounded by its
    column: a few characters fold to several ("ﬃ" to "ffi")."""
    return fold(text)[:WANT_TEXT_MAX] if text else None


def list_wants(*, sessions: sessionmaker[Session], user_id: str, page: int, per_page: int) -> Page:
    with sessions() as session:
        total = session.scalar(select(func.count()).where(Want.user_id == user_id)) or 0
        wants = session.scalars(
            select(Want)
            .where(Want.user_id == user_id)
            .order_by(Want.created_at.desc(), Want.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        found = _matches(session, [w.id for w in wants])
        return Page([WantView(w, found.get(w.id, [])) for w in wants], total)


def delete_want(*, sessions: sessionmaker[Session], user_id: str, want_id: str) -> None:
    with sessions() as session, session.begin():
        want = session.get(Want, want_id.lower())
        if want is None or want.user_id != user_id:
            raise NotFound("No such want.")
        session.execute(delete(WantMatch).where(WantMatch.want_id == want.id))
        session.delete(want)


def demand(*, sessions: sessionmaker[Session], isbn: str) -> int:
    """How many users want this ISBN (either form)."""
    with sessions() as session:
        count = session.scalar(
            select(func.count(func.distinct(Want.user_id))).where(Want.isbn13 == isbn13(isbn))
        )
        return int(count or 0)


def _matches(session: Session, want_ids: list[str]) -> dict[str, list[WantMatch]]:
    if not want_ids:
        return {}
    rows = session.scalars(
        select(WantMatch)
        .where(WantMatch.want_id.in_(want_ids))
        .order_by(WantMatch.matched_at.desc(), WantMatch.book_id)
    ).all()
    found: dict[str, list[WantMatch]] = {}
    for match in rows:
        found.setdefault(match.want_id, []).append(match)
    return found
