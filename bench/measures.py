"""The five measurements of `make bench`, each against an already running system.

They reuse the other benches' pieces (closed-loop drivers, the saga client, the raw pika
baseline) and add what only a whole system can show: a real book read through the gateway and
directly, saga timings to `paid`, and `book.updated` bursts from the catalog outbox to the
order read model. Every comparison is made in the same run, on the same machine.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pika
import requests
from sqlalchemy import create_engine, func, select, update

from bench import catalog_browse, event_pipeline, gateway_overhead, saga_latency
from catalog_service import events as catalog_events
from catalog_service.db import Database
from catalog_service.models import Book, outbox
from catalog_service.service import seller_names
from order_service.models import Book as ReadBook
from shared.db import utcnow
from shared.events import Envelope, Topology
from shared.events.envelope import parse_envelope


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p99 in milliseconds of samples given in seconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1)}


def drive(urls: list[str], concurrency: int, duration: float) -> tuple[int, list[float]]:
    """Closed-loop keep-alive GETs on random `urls`: (non-200 answers, latencies in seconds)."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    stop = time.monotonic() + duration

    def client(i: int) -> None:
        session, rng = requests.Session(), random.Random(i)
        while time.monotonic() < stop:
            started = time.perf_counter()
            errors[i] += session.get(rng.choice(urls), timeout=10).status_code != 200
            latencies[i].append(time.perf_counter() - started)

    run_threads(client, concurrency)
    return sum(errors), [x for per in latencies for x in per]


def run_threads(target: Callable[[int], None], count: int) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def gateway_overhead_by_book(
    gateway: str,
    catalog_apis: list[str],
    book_ids: list[str],
    *,
    concurrency: int,
    duration: float,
    rounds: int = 2,
) -> dict[str, Any]:
    """1. GET /api/books/{id} through the gateway vs straight to the catalog api replicas."""
    targets = {
        "direct": [f"{api}/api/books/{b}" for api in catalog_apis for b in book_ids],
        "gateway": [f"{gateway}/api/books/{b}" for b in book_ids],
    }
    for urls in targets.values():
        drive(urls, concurrency, 1.0)  # warm pools and caches
    samples: dict[str, list[float]] = {name: [] for name in targets}
    errors = dict.fromkeys(targets, 0)
    for _ in range(rounds):  # alternate, so both see the same machine
        for name, urls in targets.items():
            failed, latencies = drive(urls, concurrency, duration)
            errors[name] += failed
            samples[name] += latencies
    return overhead(
        *(
            gateway_overhead.summary(samples[name], duration * rounds) | {"errors": errors[name]}
            for name in ("direct", "gateway")
        )
    )


def overhead(direct: dict[str, Any], through: dict[str, Any]) -> dict[str, Any]:
    """The gateway's figures next to the direct ones, with their ratios."""
    return {
        "direct": direct,
        "gateway": through,
        "ratio": {
            "throughput": through["rps"] / direct["rps"],
            "p50": through["p50_ms"] / direct["p50_ms"],
            "p99": through["p99_ms"] / direct["p99_ms"],
        },
    }


def browse_and_search(
    gateway: str, *, concurrency: int, duration: float, pages: int = 50
) -> dict[str, Any]:
    """2. The default listing (pages 1-`pages`) and relevance search, through the gateway."""
    browse = [f"{gateway}/api/books?page={p}&per_page=20" for p in range(1, pages + 1)]
    search = [f"{gateway}/api/books?q={q}&per_page=20" for q in catalog_browse.QUERIES]
    catalog_browse.drive(browse[:5], concurrency, 2.0)
    result = {}
    for kind, urls in (("browse", browse), ("search", search)):
        errors, latencies = catalog_browse.drive(urls, concurrency, duration)
        result[kind] = {
            "requests": len(latencies),
            "errors": errors,
            "rps": round(len(latencies) / duration, 1),
            **percentiles(latencies),
        }
    return result


def _timeline(order: dict[str, Any]) -> dict[str, datetime]:
    return {
        e["status"]: datetime.fromisoformat(e["at"].replace("Z", "+00:00"))
        for e in order["timeline"]
    }


# How often a buyer's order page asks for news (web_frontend's FRONTEND_TIMELINE_POLL_MS).
PAGE_POLL_SECONDS = 1.5


class PaidWatcher:
    """Learns that an order was paid from its `order.paid` event (a queue of the bench's own,
    bound to them), so a buyer moves on the moment its order is paid without polling for it.

    The buyers used to poll their order every 50 ms: with 8 of them, 160 requests a second
    through the gateway, 30 times what the shop's own order page asks, which took half a core of
    two from the saga being timed. Now each buyer still reads its order as the page does (every
    PAGE_POLL_SECONDS) and once paid, for the timeline; 8 orders stay in flight all the time.
    """

    def __init__(self, rabbitmq_url: str, topology: Topology) -> None:
        self.url, self.topology = rabbitmq_url, topology
        self.paid: dict[str, threading.Event] = {}
        self.lock, self.stop, self.ready = threading.Lock(), threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()
        if not self.ready.wait(30):
            raise RuntimeError("the bench could not listen for order.paid")

    def wait(self, order_id: str, timeout: float) -> bool:
        return self._event(order_id).wait(timeout)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)

    def _event(self, order_id: str) -> threading.Event:
        with self.lock:
            return self.paid.setdefault(order_id, threading.Event())

    def _listen(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
            channel.queue_bind(queue, self.topology.exchange, routing_key="order.paid")
            self.ready.set()
            for method, _, body in channel.consume(queue, auto_ack=True, inactivity_timeout=0.2):
                if self.stop.is_set():
                    break
                if method is not None:
                    self._event(parse_envelope(body).data["order_id"]).set()
        finally:
            connection.close()


def _until_paid(
    client: saga_latency.Client, token: str, order_id: str, watcher: PaidWatcher
) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while not watcher.wait(order_id, PAGE_POLL_SECONDS):
        order = client.get(token, order_id)  # what the buyer's order page asks meanwhile
        if order["status"] in saga_latency.SOLD or time.monotonic() > deadline:
            return order
    return client.get(token, order_id)


def _timed_order(
    client: saga_latency.Client, token: str, book: str, watcher: PaidWatcher
) -> float | str:
    """pending -> paid in seconds for one order, or what went wrong.

    Sellers now ship their own shipments (auto-ship is a seller's setting), so `shipped` is no
    longer the saga's own doing and is not timed here.
    """
    placed = client.order(token, book)
    if placed.status_code != 202:
        return f"{placed.status_code} {placed.text[:200]}"
    at = _timeline(_until_paid(client, token, placed.json()["id"], watcher))
    if "paid" not in at:
        return f"order {placed.json()['id']} not paid in 60 s"
    return (at["paid"] - at["pending"]).total_seconds()


def saga_latency_with(
    gateway: str, tokens: list[str], books: list[str], *, orders: int, watcher: PaidWatcher
) -> dict[str, Any]:
    """3. pending -> paid, `len(tokens)` buyers sharing `orders` orders."""
    timings: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    share = [orders // len(tokens) + (i < orders % len(tokens)) for i in range(len(tokens))]

    def buyer(i: int) -> None:
        client = saga_latency.Client(gateway)
        for _ in range(share[i]):
            outcome = _timed_order(client, tokens[i], books[i % len(books)], watcher)
            with lock:
                if isinstance(outcome, str):
                    failures.append(outcome)
                else:
                    timings.append(outcome)

    started = time.monotonic()
    run_threads(buyer, len(tokens))
    return {
        "buyers": len(tokens),
        "orders": len(timings),
        "seconds": round(time.monotonic() - started, 1),
        "failures": len(failures),
        "first_failures": failures[:3],
        "paid": percentiles(timings),
    }


def orders_per_second(
    gateway: str, tokens: list[str], books: list[str], *, seconds: float
) -> dict[str, Any]:
    """5. Orders accepted per second by concurrent buyers, each one checked to be paid."""
    return saga_latency.throughput(lambda: saga_latency.Client(gateway), tokens, books, seconds)


def _write_burst(
    catalog: Database, book_ids: list[str]
) -> tuple[list[Envelope[Any]], dict[str, int], str]:
    """Bump each book's version and write its `book.updated`, all in one transaction."""
    correlation = f"bench-burst-{uuid.uuid4()}"
    with catalog.session() as session, session.begin():
        session.execute(
            update(Book)
            .where(Book.id.in_(book_ids))
            .values(version=Book.version + 1, updated_at=utcnow())
        )
        books = list(session.scalars(select(Book).where(Book.id.in_(book_ids))))
        names = seller_names(session, {b.seller_id for b in books})
        events = [
            catalog_events.record(
                session,
                catalog_events.book_updated(b, names.get(b.seller_id, "")),
                correlation_id=correlation,
            )
            for b in books
        ]
    return events, {b.id: b.version for b in books}, correlation


def event_pipeline_burst(env: dict[str, str], book_ids: list[str]) -> dict[str, Any]:
    """4. A burst of `book.updated` from the catalog outbox to the order read model vs raw pika."""
    catalog = Database(env["CATALOG_DATABASE_URL"])
    read_model = create_engine(env["ORDER_DATABASE_URL"])
    try:
        events, wanted, correlation = _write_burst(catalog, book_ids)
        started = time.perf_counter()  # committed: the burst is in the outbox
        relayed = _wait_applied(catalog.engine, correlation, read_model, wanted, timeout=600)
        pipeline_rate = len(events) / (time.perf_counter() - started)
        relay_rate = len(events) / (relayed - started)
    finally:
        catalog.engine.dispose()
        read_model.dispose()
    raw_publish, raw_consume = _raw_baseline(env, [(e.id, e.to_json().encode()) for e in events])
    raw_rate = 1 / (1 / raw_publish + 1 / raw_consume)
    return {
        "events": len(events),
        "pipeline_per_s": round(pipeline_rate, 1),
        "relay_per_s": round(relay_rate, 1),
        "raw_publish_per_s": round(raw_publish, 1),
        "raw_consume_per_s": round(raw_consume, 1),
        "raw_publish_then_consume_per_s": round(raw_rate, 1),
        "ratio": pipeline_rate / raw_rate,
    }


def _wait_applied(
    outbox_engine: Any, correlation: str, engine: Any, wanted: dict[str, int], timeout: float
) -> float:
    """Wait until the read model holds every wanted version; when the relay had sent them all."""
    deadline, relayed = time.monotonic() + timeout, 0.0
    while True:
        if not relayed and _unsent(outbox_engine, correlation) == 0:
            relayed = time.perf_counter()
        with engine.connect() as conn:
            rows = conn.execute(
                select(ReadBook.book_id, ReadBook.version).where(ReadBook.book_id.in_(wanted))
            )
            done = sum(1 for book_id, version in rows if version >= wanted[book_id])
        if done == len(wanted):
            return relayed or time.perf_counter()
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {done} of {len(wanted)} book.updated applied")
        time.sleep(0.1)


def _unsent(engine: Any, correlation: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count()).where(
                    outbox.c.correlation_id == correlation, outbox.c.sent_at.is_(None)
                )
            )
            or 0
        )


def _raw_baseline(env: dict[str, str], bodies: list[tuple[str, bytes]]) -> tuple[float, float]:
    """The same bodies published with confirms, then consumed with acks, on the same broker."""
    topology = Topology(env["EVENT_PREFIX"])
    connection = pika.BlockingConnection(pika.URLParameters(env["RABBITMQ_URL"]))
    try:
        channel = connection.channel()
        queue = channel.queue_declare(queue="", exclusive=True).method.queue
        channel.queue_bind(queue, topology.exchange, "raw.happened")
        channel.confirm_delivery()
        return event_pipeline.raw_pika(channel, queue, bodies, topology)
    finally:
        connection.close()
