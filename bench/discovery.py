"""Discovery through the gateway with 10,000 books: search (plain, misspelt, short titles),
suggestions and recommendations, each driven closed-loop; p50/p99, throughput and CPU.

    .venv/bin/python -m bench.discovery [--books 10000] [--concurrency 8] [--duration 10]

The catalogue is bench.catalog_browse's (the demo books varied into 10,000 listings, bulk
inserted) plus paid-order purchases between random books, so "bought together" has rows to
count. Figures are for comparison on one machine, not targets.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import requests
from sqlalchemy import create_engine, insert, select, text

from bench.catalog_browse import SERVER, cpu_seconds, report, seed, start_stack
from catalog_service.models import Book, Purchase
from scripts.keys import ensure_key_pair
from scripts.stack import ROOT
from shared.db import migrate

PLAIN = ["war and peace", "tolkien", "history of rome", "magic school", "detective murder"]
FORGIVING = ["tolkein", "pride prejudise", "It", "The Road", "frankenstien", "hary poter"]
PREFIXES = ["ha", "harry po", "tol", "pride", "the ro", "agat", "dune", "war"]


def drive(urls: list[str], concurrency: int, duration: float) -> tuple[int, list[float]]:
    """Closed-loop keep-alive clients picking from `urls`: (non-200 answers, latencies)."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    stop = time.monotonic() + duration

    def client(i: int) -> None:
        session, rng = requests.Session(), random.Random(i)
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = session.get(rng.choice(urls), timeout=10)
            latencies[i].append(time.perf_counter() - started)
            errors[i] += response.status_code != 200

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(errors), [x for per in latencies for x in per]


def add_purchases(url: str, orders: int) -> list[str]:
    """`orders` paid orders of 2-4 random in-stock books each; the ids of some bought books."""
    engine = create_engine(url)
    with engine.begin() as conn:
        ids = list(conn.scalars(select(Book.id).where(Book.stock > 0)))
        rng, moment, rows = random.Random(7), datetime(2026, 6, 1), []
        for _ in range(orders):
            order_id = str(uuid.uuid4())
            rows += [
                {"order_id": order_id, "book_id": b, "created_at": moment}
                for b in rng.sample(ids, rng.randint(2, 4))
            ]
        conn.execute(insert(Purchase), rows)
    engine.dispose()
    return sorted({r["book_id"] for r in rows})[:200]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--books", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    name = f"bench_discovery_{uuid.uuid4().hex[:6]}"
    url = f"{SERVER}{name}"
    migrate(url, ROOT / "catalog_service/migrations")
    seed(url, args.books)
    bought = add_purchases(url, args.orders)
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp)
        ensure_key_pair(keys / "jwt_private.pem", keys / "jwt_public.pem")
        group, gateway, _ = start_stack(url, keys, f"{name}.")
        try:
            runs = {
                "search plain": [f"{gateway}/api/books?q={q}&per_page=20" for q in PLAIN],
                "search forgiving": [f"{gateway}/api/books?q={q}&per_page=20" for q in FORGIVING],
                "search facets": [
                    f"{gateway}/api/books?q={q}&per_page=20&facets=true" for q in PLAIN
                ],
                "suggest": [f"{gateway}/api/books/suggest?q={p}" for p in PREFIXES],
                "recommendations": [f"{gateway}/api/books/{b}/recommendations" for b in bought],
            }
            drive(runs["search plain"][:2], args.concurrency, 2.0)  # warm pools and caches
            for label, targets in runs.items():
                before = cpu_seconds(group)
                started = time.monotonic()
                errors, latencies = drive(targets, args.concurrency, args.duration)
                after = cpu_seconds(group)
                cpu = {k: after[k] - before.get(k, 0.0) for k in after}
                report(label, errors, latencies, time.monotonic() - started, cpu)
        finally:
            group.stop()
            engine = create_engine(SERVER)
            with engine.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            engine.dispose()


if __name__ == "__main__":
    main()
