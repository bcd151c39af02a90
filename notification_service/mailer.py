"""The worker's mail loop: sends due deliveries through SMTP, with retries and backoff.

A due row is claimed with SELECT ... FOR UPDATE SKIP LOCKED, so worker replicas never send the
same delivery; it is marked sent in the same transaction, committed right after the server
accepted the message. While the server is down every attempt fails fast, the row's next attempt
moves back exponentially (capped), and nothing is lost: the mail goes out once the server is back.
The one window for a duplicate is a crash between the server's "250 OK" and our commit; the
Message-ID is the delivery id, so a receiver can recognise the resend.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from notification_service.mail import message
from notification_service.models import Delivery
from shared.db import utcnow
from shared.events.polling import polling_loop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    url: str
    sender: str
    retry_base: float = 1.0
    retry_cap: float = 300.0
    max_attempts: int = 200
    timeout: float = 10.0


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An SMTP session for smtp://[user:pass@]host:port[?starttls=true] or smtps://..."""
    url = urlsplit(settings.url)
    host, port = url.hostname or "127.0.0.1", url.port
    if url.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=settings.timeout)
    else:
        client = smtplib.SMTP(host, port or 25, timeout=settings.timeout)
        if parse_qs(url.query).get("starttls") == ["true"]:
            client.starttls()
    if url.username:
        client.login(unquote(url.username), unquote(url.password or ""))
    return client


def send_due(session: Session, settings: SmtpSettings, *, limit: int = 20) -> int:
    """Send up to `limit` due deliveries over one SMTP session; returns how many were tried."""
    with session.begin():
        session.connection(execution_options={"isolation_level": "READ COMMITTED"})
        due = session.scalars(
            select(Delivery)
            .where(
                Delivery.sent_at.is_(None),
                Delivery.failed.is_(False),
                Delivery.next_attempt_at <= utcnow(),
            )
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not due:
            return 0
        try:
            client = connect(settings)
        except (OSError, smtplib.SMTPException) as exc:
            for delivery in due:
                _failed(delivery, settings, exc)
            return len(due)
        with client:
            for delivery in due:
                _send_one(client, delivery, settings)
        return len(due)


def _send_one(client: smtplib.SMTP, delivery: Delivery, settings: SmtpSettings) -> None:
    msg = message(
        sender=settings.sender,
        to=delivery.to_address,
        subject=delivery.subject,
        text=delivery.text_body,
        markup=delivery.html_body,
        key=delivery.id,
    )
    try:
        client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        _failed(delivery, settings, exc)
        return
    delivery.attempts += 1
    delivery.sent_at = utcnow()


def _failed(delivery: Delivery, settings: SmtpSettings, exc: Exception) -> None:
    delivery.attempts += 1
    delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if delivery.attempts >= settings.max_attempts:
        delivery.failed = True
        log.error("e-mail %s given up after %d attempts", delivery.id, delivery.attempts)
        return
    delay = min(settings.retry_cap, settings.retry_base * 2 ** (delivery.attempts - 1))
    delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
    log.warning("e-mail %s not sent (%s); retry in %.1fs", delivery.id, exc, delay)


def mail_loop(
    session_factory: Callable[[], Session], settings: SmtpSettings, *, poll: float
) -> Callable[[threading.Event], None]:
    """The worker's mail timer (WorkerSpec.timers): polls until stopped, survives outages."""
    return polling_loop(
        "mail loop", session_factory, lambda session: send_due(session, settings), poll=poll
    )
