"""`python -m bench.notifications`: the notification service's three figures (issue 15).

- matching: 10,000 wants (7,000 by title/author words, 3,000 by ISBN) and a burst of 1,000 new
  listings, each applied as the worker applies a book.created (read model, favourites, wants,
  notifications, e-mail rows, want.matched) in its own transaction: time per book;
- e-mail: 2,000 queued deliveries sent by one mail loop to a local SMTP server: e-mails/s;
- latency: order.placed events published one every 20 ms to a running worker (real broker):
  the event's occurred_at to its inbox row's created_at, p50/p99.

It makes (and drops) its own database and broker namespace; the local MariaDB and RabbitMQ must
run. Results are printed as JSON.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.orm import sessionmaker

from notification_service.consumers import Notifier
from notification_service.mailer import SmtpSettings, send_due
from notification_service.matching import fold
from notification_service.models import Delivery, Notification, User, Want
from scripts.mailcatcher import MailCatcher
from scripts.stack import PYTHON, ROOT, healthy
from shared.contract.isbn import isbn13
from shared.db import migrate, utcnow
from shared.events import new_event
from shared.events.topology import Topology
from tests.support.namespace import delete_topology
from tests.support.order_harness import publish
from tests.support.ports import free_port

SERVER = os.environ.get("BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/")
AMQP = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
# A vocabulary of 400 words: a two-word want matches a three-word title now and then, as in a
# real catalogue (about one match per listing with the ISBN wants), not every other time.
WORDS = [
    f"{a}{b}"
    for a in (
        "dun",
        "riv",
        "sha",
        "gla",
        "win",
        "gar",
        "emp",
        "sto",
        "sil",
        "oce",
        "cro",
        "for",
        "nig",
        "sum",
        "wav",
        "lig",
        "dar",
        "hou",
        "isl",
        "mou",
    )
    for b in (
        "e",
        "er",
        "ow",
        "ass",
        "ter",
        "den",
        "ire",
        "ne",
        "ent",
        "an",
        "wn",
        "est",
        "ht",
        "mer",
        "es",
        "ht",
        "k",
        "se",
        "and",
        "nt",
    )
]


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 2), "p99_ms": round(cuts[98] * 1000, 2)}


def isbn_for(n: int) -> str:
    core = f"978{n:09d}"
    check = (10 - sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(core)) % 10) % 10
    return core + str(check)


def bench_matching(url: str, wants: int = 10_000, books: int = 1_000) -> dict[str, Any]:
    engine = create_engine(url)
    rng = random.Random(15)
    rows = []
    for i in range(wants):
        by_isbn = i % 10 < 3
        title = " ".join(rng.sample(WORDS, 2))
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "user_id": f"u{i % 2000}",
                "isbn": isbn_for(rng.randrange(5000)) if by_isbn else None,
                "isbn13": isbn13(isbn_for(rng.randrange(5000))) if by_isbn else None,
                "title": None if by_isbn else title,
                "title_key": None if by_isbn else fold(title),
                "author": None,
                "author_key": None,
                "max_price": Decimal("30.00") if i % 2 else None,
                "min_condition": "good" if i % 3 == 0 else None,
                "created_at": utcnow(),
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(Want), rows)
    sessions = sessionmaker(engine.execution_options(isolation_level="READ COMMITTED"))
    notifier = Notifier("http://127.0.0.1:8000")
    samples = []
    for _ in range(books):
        data = {
            "book_id": str(uuid.uuid4()),
            "seller_id": "bench-seller",
            "seller_name": "Seller",
            "title": " ".join(rng.sample(WORDS, 3)).title(),
            "author": "Some Author",
            "isbn": isbn_for(rng.randrange(5000)),
            "category": "Fiction",
            "condition": rng.choice(["acceptable", "good", "very_good", "like_new", "new"]),
            "price": f"{rng.randrange(5, 50)}.00",
            "currency": "USD",
            "stock": 1,
            "version": 1,
        }
        event = new_event("book.created", data, producer="catalog_service")
        started = time.perf_counter()
        with sessions() as session, session.begin():
            notifier.on_book_upserted(session, event)
        samples.append(time.perf_counter() - started)
    with engine.connect() as conn:
        matches = conn.execute(text("SELECT COUNT(*) FROM want_matches")).scalar()
    engine.dispose()
    return {
        "wants": wants,
        "books": books,
        "matches": matches,
        "per_book": percentiles(samples),
        "mean_ms": round(statistics.mean(samples) * 1000, 2),
        "burst_seconds": round(sum(samples), 2),
    }


def bench_mail(url: str, count: int = 2_000) -> dict[str, Any]:
    engine = create_engine(url)
    smtp, http = free_port(), free_port()
    catcher = MailCatcher("127.0.0.1", smtp, http).start()
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM deliveries"))
        conn.execute(
            insert(Delivery),
            [
                {
                    "id": str(uuid.uuid4()),
                    "to_address": f"reader{i}@example.com",
                    "subject": "BookStore: Order paid",
                    "text_body": "Hello,\n\nYour payment went through.\n",
                    "html_body": "<p>Hello,</p><p>Your payment went through.</p>",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "failed": False,
                    "created_at": now,
                }
                for i in range(count)
            ],
        )
    settings = SmtpSettings(url=f"smtp://127.0.0.1:{smtp}", sender="bench@bookstore.local")
    sessions = sessionmaker(engine)
    started = time.perf_counter()
    while True:
        with sessions() as session:
            if not send_due(session, settings):
                break
    elapsed = time.perf_counter() - started
    received = len(catcher.mailbox.items())
    catcher.stop()
    engine.dispose()
    return {"emails": count, "received": received, "per_second": round(count / elapsed, 1)}


def bench_latency(url: str, events: int = 200) -> dict[str, Any]:
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    health = free_port()
    smtp, http = free_port(), free_port()
    catcher = MailCatcher("127.0.0.1", smtp, http).start()
    env = {
        **os.environ,
        "NOTIFICATION_DATABASE_URL": url,
        "RABBITMQ_URL": AMQP,
        "EVENT_PREFIX": prefix,
        "WORKER_HEALTH_PORT": str(health),
        "SMTP_URL": f"smtp://127.0.0.1:{smtp}",
        "LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [PYTHON, "-m", "notification_service.worker"], env=env, cwd=ROOT, start_new_session=True
    )
    engine = create_engine(url)
    topology = Topology(prefix)
    try:
        deadline = time.monotonic() + 60
        while not healthy(f"http://127.0.0.1:{health}/health/ready"):
            assert time.monotonic() < deadline, "the worker never became ready"
            time.sleep(0.2)
        buyer = str(uuid.uuid4())
        with engine.begin() as conn:
            conn.execute(insert(User).values(user_id=buyer, email="b@example.com", name="B"))
        sent: dict[str, datetime] = {}
        for _ in range(events):
            order_id = str(uuid.uuid4())
            line = {
                "book_id": str(uuid.uuid4()),
                "seller_id": "s",
                "quantity": 1,
                "unit_price": "5.00",
            }
            data = {
                "order_id": order_id,
                "buyer_id": buyer,
                "items": [line],
                "total": "5.00",
                "currency": "USD",
            }
            event = new_event("order.placed", data, producer="order_service")
            publish(AMQP, topology, event)
            sent[order_id] = datetime.fromisoformat(event.occurred_at.replace("Z", "+00:00"))
            time.sleep(0.02)
        query = select(Notification.link, Notification.created_at).where(
            Notification.user_id == buyer
        )
        deadline = time.monotonic() + 60
        while True:
            with engine.connect() as conn:
                rows = conn.execute(query).all()
            if len(rows) >= events or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        samples = [
            (created.replace(tzinfo=UTC) - sent[link.removeprefix("/orders/")]).total_seconds()
            for link, created in rows
        ]
        return {"events": events, "in_inbox": len(rows), **percentiles(samples)}
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)
        catcher.stop()
        engine.dispose()
        delete_topology(AMQP, prefix, services=("notification",))


def main() -> int:
    server = create_engine(SERVER)
    name = f"bench_notifications_{os.getpid()}"
    with server.connect() as conn:
        conn.execute(
            text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    url = SERVER + name
    try:
        migrate(url, Path(__file__).resolve().parents[1] / "notification_service/migrations")
        results = {
            "matching": bench_matching(url),
            "email": bench_mail(url),
            "latency": bench_latency(url),
        }
    finally:
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
