"""Writing a notification: the inbox row and, per the user's preferences, its e-mail delivery.

Both are added to the caller's session, i.e. the consumer's transaction, whose inbox entry makes
the whole thing once-only across redeliveries (docs/architecture.md, the inbox rule). Sending
is a second step (mailer.py), so a mail-server outage never holds up or fails an event.

`send_mail` is the hook for e-mails that are not notifications (a password reset): a delivery
row with no inbox entry, sent with the same retries.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from notification_service.mail import Mail, compose
from notification_service.models import Delivery, Notification, Preferences, User
from shared.contract.wants import KINDS
from shared.db import utcnow


def notify(
    session: Session,
    *,
    user_id: str,
    kind: str,
    title: str,
    body: str,
    link: str,
    public_url: str,
) -> Notification:
    """Add `kind`'s notification for `user_id`, and its e-mail if they want that kind by mail."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    now = utcnow()
    note = Notification(
        id=str(uuid.uuid4()),
        user_id=user_id,
        kind=kind,
        title=title[:300],
        body=body,
        link=link,
        created_at=now,
        read_at=None,
    )
    session.add(note)
    user = session.get(User, user_id)
    if user is not None and wants_mail(session, user_id, kind):
        mail = compose(name=user.name, title=title, body=body, url=public_url + link)
        send_mail(session, to=user.email, mail=mail, key=note.id, now=now)
    return note


def wants_mail(session: Session, user_id: str, kind: str) -> bool:
    prefs = session.get(Preferences, user_id)
    return prefs is None or bool(getattr(prefs, KINDS[kind]))


def send_mail(session: Session, *, to: str, mail: Mail, key: str, now: datetime) -> None:
    """Queue one e-mail; `key` (a notification id, an event id) is the delivery's id: once."""
    session.add(
        Delivery(
            id=key,
            to_address=to,
            subject=mail.subject[:300],
            text_body=mail.text,
            html_body=mail.html,
            attempts=0,
            next_attempt_at=now,
            sent_at=None,
            failed=False,
            created_at=now,
        )
    )
