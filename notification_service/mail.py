"""E-mails as the worker sends them: a plain-text and an HTML part, with a link back to the page.

Composed when the notification is written (the delivery row holds the finished message), so a
retry days later sends exactly what the user would have got at once.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str


def compose(*, name: str, title: str, body: str, url: str) -> Mail:
    """The e-mail of one notification (or of any message with a link: a password reset)."""
    text = f"Hello {name},\n\n{body}\n\n{url}\n\n-- BookStore\n"
    markup = (
        f"<p>Hello {html.escape(name)},</p><p>{html.escape(body)}</p>"
        f'<p><a href="{html.escape(url, quote=True)}">{html.escape(title)}</a></p>'
        "<p>-- BookStore</p>"
    )
    return Mail(subject=f"BookStore: {title}", text=text, html=markup)


def message(
    *, sender: str, to: str, subject: str, text: str, markup: str, key: str
) -> EmailMessage:
    """The MIME message (multipart/alternative); Message-ID derives from the delivery id, so a
    receiver that deduplicates by it sees a resend after a crash as the same mail."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = f"<{key}@bookstore.local>"
    msg.set_content(text)
    msg.add_alternative(markup, subtype="html")
    return msg
