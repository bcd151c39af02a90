"""Catalogue browse and search through the gateway, with 10,000 books.

    .venv/bin/python -m bench.catalog_browse [--books 10000] [--concurrency 8] [--duration 15]

Starts its own catalog api and gateway (gunicorn with gunicorn.conf.py, as `make run` does:
2 workers x 4 threads unless WEB_CONCURRENCY / GUNICORN_THREADS say otherwise) on free ports,
a fresh database and a unique broker prefix. The books are bulk-inserted (the API would take
minutes for 10,000): the demo catalogue's titles, authors and descriptions, varied, so FULLTEXT
sees real vocabulary.
Then `concurrency` keep-alive clients drive, for `duration` seconds each:
  browse: GET /api/books?page=<1..50>&per_page=20      (newest first, the default listing)
  search: GET /api/books?q=<one of a few queries>&per_page=20   (relevance)
and it prints requests/s, p50 and p99 for each, and the CPU milliseconds the catalog api and
the gateway spent per request (a figure that holds however busy the machine is; MariaDB's
share is not counted). The load generator shares the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import psutil
import requests
from sqlalchemy import create_engine, insert, text

from catalog_service.demo import BOOKS_FILE
from catalog_service.models import Book, Seller
from scripts.keys import ensure_key_pair
from scripts.stack import ROOT, ProcessGroup, ProcessSpec, gunicorn
from shared.db import migrate
from tests.support.ports import free_port

SERVER = "mysql+pymysql://root@127.0.0.1:3306/"
AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"
QUERIES = ["war and peace", "detective murder", "tolkien", "history of rome", "magic school"]
CONDITIONS = ["new", "like_new", "very_good", "good", "acceptable"]


def seed(url: str, count: int) -> None:
    """`count` books by 20 sellers, built from the demo catalogue with varied words."""
    entries = json.loads(BOOKS_FILE.read_text(encoding="utf-8"))
    rng, start = random.Random(1), datetime(2026, 1, 1)
    sellers = [str(uuid.uuid4()) for _ in range(20)]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(Seller),
            [
                {"user_id": s, "name": f"Seller {i}", "source": "token", "updated_at": start}
                for i, s in enumerate(sellers)
            ],
        )
        for chunk in range(0, count, 1000):
            rows = []
            for i in range(chunk, min(count, chunk + 1000)):
                entry = rng.choice(entries)
                moment = start + timedelta(seconds=i)
                rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "seller_id": rng.choice(sellers),
                        "title": f"{entry['title']} ({rng.choice(['Penguin', 'Vintage', 'Folio'])}"
                        f" edition {rng.randint(1, 40)})",
                        "author": entry["author"],
                        "isbn": None,
                        "category": entry["category"],
                        "condition": rng.choice(CONDITIONS),
                        "description": f"{entry['description']} Copy {i}.",
                        "language": "en",
                        "published_year": max(entry["year"], 1),
                        "currency": "USD",
                        "price": f"{rng.randint(100, 5000) / 100:.2f}",
                        "stock": rng.choice([0, 1, 1, 2, 3]),
                        "version": 1,
                        "created_at": moment,
                        "updated_at": moment,
                    }
                )
            conn.execute(insert(Book), rows)
    engine.dispose()


def drive(urls: list[str], concurrency: int, duration: float) -> tuple[int, list[float]]:
    """Closed-loop keep-alive clients picking from `urls`: (errors, latencies in seconds)."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    stop = time.monotonic() + duration

    def client(i: int) -> None:
        session, rng = requests.Session(), random.Random(i)
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = session.get(rng.choice(urls), timeout=10)
            latencies[i].append(time.perf_counter() - started)
            errors[i] += response.status_code != 200 or len(response.json()["items"]) == 0

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(errors), [x for per in latencies for x in per]


def cpu_seconds(group: ProcessGroup) -> dict[str, float]:
    """CPU time used so far by each started process and its children (gunicorn workers)."""
    used: dict[str, float] = {}
    for name, proc in group.procs.items():
        root = psutil.Process(proc.pid)
        for p in [root, *root.children(recursive=True)]:
            times = p.cpu_times()
            used[name] = used.get(name, 0.0) + times.user + times.system
    return used


def report(
    name: str, errors: int, latencies: list[float], duration: float, cpu: dict[str, float]
) -> dict:
    cuts = statistics.quantiles(latencies, n=100)
    per_request = {k: round(v * 1000 / max(len(latencies), 1), 1) for k, v in cpu.items()}
    result = {
        "name": name,
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / duration, 1),
        "p50_ms": round(cuts[49] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "cpu_ms_per_request": per_request,
    }
    print(json.dumps(result))
    return result


def start_stack(url: str, keys: Path, prefix: str) -> tuple[ProcessGroup, str, str]:
    catalog, gateway = free_port(), free_port()
    env = {
        **os.environ,
        "CATALOG_DATABASE_URL": url,
        "RABBITMQ_URL": AMQP,
        "EVENT_PREFIX": prefix,
        "JWT_PUBLIC_KEY_FILE": str(keys / "jwt_public.pem"),
        "LOG_LEVEL": "WARNING",
        "CATALOG_URL": f"http://127.0.0.1:{catalog}",
        "AUTH_URL": f"http://127.0.0.1:{free_port()}",
        "ORDER_URL": f"http://127.0.0.1:{free_port()}",
        "GATEWAY_FOLLOW_REVOCATIONS": "false",  # public GETs never consult the denylist
        "FOLLOW_REVOCATIONS": "false",
    }
    specs = [
        ProcessSpec(
            "catalog-api",
            gunicorn("catalog_service", catalog),
            env,
            f"http://127.0.0.1:{catalog}/health/live",
        ),
        ProcessSpec(
            "gateway",
            gunicorn("api_gateway", gateway),
            env,
            f"http://127.0.0.1:{gateway}/health/live",
        ),
    ]
    group = ProcessGroup(specs, log_dir=ROOT / "var/log/bench")
    group.start(timeout=60)
    return group, f"http://127.0.0.1:{gateway}", f"http://127.0.0.1:{catalog}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--books", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--direct", action="store_true", help="also measure without the gateway")
    args = parser.parse_args()
    name = f"bench_catalog_{uuid.uuid4().hex[:6]}"
    url = f"{SERVER}{name}"
    migrate(url, ROOT / "catalog_service/migrations")
    started = time.monotonic()
    seed(url, args.books)
    print(f"seeded {args.books} books in {time.monotonic() - started:.1f}s")
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp)
        ensure_key_pair(keys / "jwt_private.pem", keys / "jwt_public.pem")
        group, gateway, catalog = start_stack(url, keys, f"{name}.")
        try:
            bases = [("gateway", gateway)] + ([("direct", catalog)] if args.direct else [])
            for label, base in bases:
                browse = [f"{base}/api/books?page={p}&per_page=20" for p in range(1, 51)]
                search = [f"{base}/api/books?q={q}&per_page=20" for q in QUERIES]
                drive(browse[:5], args.concurrency, 2.0)  # warm up pools and caches
                for kind, targets in (("browse", browse), ("search", search)):
                    before = cpu_seconds(group)
                    errors, latencies = drive(targets, args.concurrency, args.duration)
                    after = cpu_seconds(group)
                    cpu = {k: after[k] - before.get(k, 0.0) for k in after}
                    report(f"{label} {kind}", errors, latencies, args.duration, cpu)
        finally:
            group.stop()
            engine = create_engine(SERVER)
            with engine.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            engine.dispose()


if __name__ == "__main__":
    main()
