"""`python -m scripts.mailcatcher`: a local SMTP server that keeps what it receives, for
development and tests (docs/api.md, E-mail). Never deployed: compose runs its own catcher.

SMTP on MAILCATCHER_SMTP_PORT (127.0.0.1:1025); the JSON view on MAILCATCHER_HTTP_PORT
(127.0.0.1:8025): `GET /api/messages` -> {"items": [{id, to, subject, text, received_at}]},
newest first, `?to=` filters by recipient; `/health/live` for the process supervisor.
Messages live in memory: a restart forgets them.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from shared.timestamps import now_iso


@dataclass
class Mailbox:
    """Received messages, newest last; thread-safe (SMTP and HTTP run on their own threads)."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, recipients: list[str], raw: bytes) -> None:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        text_part = parsed.get_body(preferencelist=("plain",))
        html_part = parsed.get_body(preferencelist=("html",))
        item = {
            "id": str(uuid.uuid4()),
            "to": ", ".join(recipients),
            "subject": str(parsed.get("Subject", "")),
            "text": text_part.get_content().replace("\r\n", "\n") if text_part is not None else "",
            "html": html_part.get_content() if html_part is not None else None,
            "message_id": str(parsed.get("Message-ID", "")),
            "received_at": now_iso(),
        }
        with self.lock:
            self.messages.append(item)

    def items(self, to: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            found = list(reversed(self.messages))
        if to:
            found = [m for m in found if to.lower() in m["to"].lower().split(", ")]
        return found


# What GET /api/messages shows of each message (docs/api.md); tests in-process also see the
# HTML part and the Message-ID through Mailbox.items().
VIEW = ("id", "to", "subject", "text", "received_at")


class _SmtpHandler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mailbox.add(list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def _http_handler(mailbox: Mailbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            if url.path == "/health/live":
                return self._json({"status": "ok"})
            if url.path == "/api/messages":
                to = parse_qs(url.query).get("to", [None])[0]
                items = [{k: m[k] for k in VIEW} for m in mailbox.items(to)]
                return self._json({"items": items})
            return self._json({"error": {"code": "not_found", "message": "No such page."}}, 404)

        def _json(self, body: dict[str, Any], status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


class MailCatcher:
    """SMTP + the JSON view; `start()`/`stop()` for tests, `main()` for `make run`."""

    def __init__(self, host: str = "127.0.0.1", smtp_port: int = 1025, http_port: int = 8025):
        self.mailbox = Mailbox()
        self.smtp = Controller(_SmtpHandler(self.mailbox), hostname=host, port=smtp_port)
        self.http = ThreadingHTTPServer((host, http_port), _http_handler(self.mailbox))
        self._thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def start(self) -> MailCatcher:
        self.smtp.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self.smtp.stop()
        self.http.shutdown()
        self.http.server_close()


def main() -> None:
    host = os.environ.get("MAILCATCHER_HOST", "127.0.0.1")
    smtp_port = int(os.environ.get("MAILCATCHER_SMTP_PORT", "1025"))
    http_port = int(os.environ.get("MAILCATCHER_HTTP_PORT", "8025"))
    catcher = MailCatcher(host, smtp_port, http_port).start()
    print(f"mail catcher: smtp://{host}:{smtp_port}, http://{host}:{http_port}/api/messages")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    catcher.stop()


if __name__ == "__main__":
    main()
