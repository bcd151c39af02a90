"""notification_service as real processes (1 api + 2 workers) beside a local mail catcher.

Tests publish the events other services would (user.registered, book.*, order.*, stock.*) to a
broker namespace of their own and read the results through the api, the database and the
catcher's mailbox. `smtp_down()` / `smtp_up()` stop and restart the catcher's SMTP side (the
mailbox survives), for the mail-server outage test.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from scripts.mailcatcher import MailCatcher, _SmtpHandler
from scripts.stack import PYTHON, ROOT, ProcessGroup, ProcessSpec, gunicorn, healthy
from shared.events import Envelope, new_event
from shared.events.topology import Topology
from tests.support.namespace import RUN_ID, delete_topology
from tests.support.order_harness import publish
from tests.support.ports import free_port
from tests.support.tokens import TokenMinter


@dataclass
class NotificationStack:
    api: str
    engine: Engine
    topology: Topology
    rabbitmq_url: str
    catcher: MailCatcher
    smtp_port: int
    group: ProcessGroup
    minter: TokenMinter
    versions: dict[str, int] = field(default_factory=dict)

    # --- users and tokens ------------------------------------------------------------------------

    def user(self, name: str = "Reader") -> tuple[str, str, dict[str, str]]:
        """A registered user (user.registered published): id, e-mail, auth header."""
        user_id = str(uuid.uuid4())
        email = f"{name.lower()}.{user_id[:8]}@example.com"
        self.publish("user.registered", {"user_id": user_id, "email": email, "name": name})
        token = self.minter.token(user_id, name, exp=int(time.time()) + 3600)
        self.wait_for(lambda: self.scalar("SELECT COUNT(*) FROM users WHERE user_id=:p", user_id))
        return user_id, email, {"Authorization": f"Bearer {token}"}

    # --- events ----------------------------------------------------------------------------------

    def publish(self, event_type: str, data: dict[str, Any], producer: str = "test") -> Envelope:
        event = new_event(event_type, data, producer=producer)
        publish(self.rabbitmq_url, self.topology, event)
        return event

    def republish(self, event: Envelope) -> None:
        """The same envelope again (same id): what a redelivery looks like."""
        publish(self.rabbitmq_url, self.topology, event)

    def book(self, seller_id: str, *, book_id: str | None = None, **fields: Any) -> Envelope:
        """book.created (first time) or book.updated with the next version."""
        book_id = book_id or str(uuid.uuid4())
        version = self.versions.get(book_id, 0) + 1
        self.versions[book_id] = version
        data = {
            "book_id": book_id,
            "seller_id": seller_id,
            "seller_name": "Seller",
            "title": "Dune",
            "author": "Frank Herbert",
            "isbn": None,
            "category": "Science Fiction",
            "condition": "good",
            "price": "12.50",
            "currency": "USD",
            "stock": 3,
            "version": version,
            **fields,
        }
        kind = "book.created" if version == 1 else "book.updated"
        event = self.publish(kind, data, producer="catalog_service")
        self.wait_for(
            lambda: self.scalar("SELECT version FROM books WHERE book_id=:p", book_id) == version
        )
        return event

    # --- reading ---------------------------------------------------------------------------------

    def scalar(self, sql: str, param: Any = None) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), {"p": param}).scalar()

    def kinds(self, user_id: str) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT kind FROM notifications WHERE user_id=:u ORDER BY created_at"),
                {"u": user_id},
            )
            return [row[0] for row in rows]

    def mails(self, to: str) -> list[dict[str, Any]]:
        return self.catcher.mailbox.items(to)

    def wait_for(self, check: Callable[[], Any], timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while not (result := check()):
            assert time.monotonic() < deadline, "the condition never held"
            time.sleep(0.05)
        return result

    def get(self, path: str, headers: dict[str, str], **kw: Any) -> requests.Response:
        return requests.get(f"{self.api}{path}", headers=headers, timeout=10, **kw)

    # --- the mail server -------------------------------------------------------------------------

    def smtp_down(self) -> None:
        self.catcher.smtp.stop()

    def smtp_up(self) -> None:
        handler = _SmtpHandler(self.catcher.mailbox)
        self.catcher.smtp = Controller(handler, hostname="127.0.0.1", port=self.smtp_port)
        self.catcher.smtp.start()


def running_notification_stack(
    database_factory: Callable[[str], str],
    rabbitmq_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[NotificationStack]:
    url = database_factory("notifications_it")
    topology = Topology(f"{RUN_ID}.notif.")
    minter = TokenMinter.create(tmp_path_factory.mktemp("notification_keys"))
    smtp_port, http_port, api_port = free_port(), free_port(), free_port()
    catcher = MailCatcher("127.0.0.1", smtp_port, http_port).start()
    env = {
        **os.environ,
        "NOTIFICATION_DATABASE_URL": url,
        "RABBITMQ_URL": rabbitmq_url,
        "EVENT_PREFIX": topology.prefix,
        "JWT_PUBLIC_KEY_FILE": str(minter.public_file),
        "FOLLOW_REVOCATIONS": "false",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "MAIL_RETRY_BASE_SECONDS": "0.2",
        "MAIL_RETRY_CAP_SECONDS": "1",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "8",
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run([PYTHON, "-m", "notification_service.migrate"], env=env, cwd=ROOT, check=True)
    api = f"http://127.0.0.1:{api_port}"
    specs = [
        ProcessSpec(
            "notif-api", gunicorn("notification_service", api_port), env, f"{api}/health/live"
        )
    ]
    ready = []
    for i in range(2):
        health = free_port()
        ready.append(f"http://127.0.0.1:{health}/health/ready")
        specs.append(
            ProcessSpec(
                f"notif-worker{i}",
                [PYTHON, "-m", "notification_service.worker"],
                {**env, "WORKER_HEALTH_PORT": str(health)},
                f"http://127.0.0.1:{health}/health/live",
            )
        )
    group = ProcessGroup(specs, log_dir=ROOT / "var/log/it" / RUN_ID / "notifications")
    try:
        group.start(timeout=60)
        deadline = time.monotonic() + 30
        while not all(healthy(u) for u in ready):
            assert time.monotonic() < deadline, "notification workers never became ready"
            time.sleep(0.2)
        yield NotificationStack(
            api, create_engine(url), topology, rabbitmq_url, catcher, smtp_port, group, minter
        )
    finally:
        group.stop()
        catcher.stop()
        delete_topology(rabbitmq_url, topology.prefix, services=("notification",))
