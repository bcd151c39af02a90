"""The measurements issue 12 ("fast paths") added to `make bench`.

- reads side by side: a bare Flask JSON route (bench/bare_flask.py, same gunicorn settings),
  `GET /api/books/{id}` straight to the catalog api and through the gateway, and the frontend's
  book page, in alternating rounds with the same clients; browse and search direct and through
  the gateway the same way;
- how soon a new listing is orderable: `POST /api/books` answered → the order read model holds
  the book (book.created through the catalog outbox, the broker and the order consumer);
- what an idle system costs: CPU seconds of every process and database statements per second
  (MariaDB's per-user statistics of a database user only this run uses).
"""

from __future__ import annotations

import time
from typing import Any

import psutil
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import catalog_browse
from bench.gateway_overhead import summary
from bench.measures import drive, percentiles
from order_service.models import Book as ReadBook

SERVER = "mysql+pymysql://root@127.0.0.1:3306/"


def side_by_side(
    targets: dict[str, list[str]], *, concurrency: int, duration: float, rounds: int = 2
) -> dict[str, Any]:
    """Closed-loop GETs on each target in turn, `rounds` times, so all see the same machine."""
    for urls in targets.values():
        drive(urls, concurrency, 1.0)  # warm pools, imports and caches
    samples: dict[str, list[float]] = {name: [] for name in targets}
    errors = dict.fromkeys(targets, 0)
    for _ in range(rounds):
        for name, urls in targets.items():
            failed, latencies = drive(urls, concurrency, duration)
            errors[name] += failed
            samples[name] += latencies
    return {
        name: {k: round(v, 1) for k, v in summary(latencies, duration * rounds).items()}
        | {"errors": errors[name]}
        for name, latencies in samples.items()
    }


def reads(
    *,
    bare: str,
    catalog_apis: list[str],
    gateway: str,
    frontend: str,
    book_ids: list[str],
    pages: int,
    concurrency: int,
    duration: float,
) -> dict[str, Any]:
    """Book reads (bare Flask, direct, gateway, frontend page), then browse and search."""
    book = side_by_side(
        {
            "bare_flask": [f"{bare}/api/books/{b}" for b in book_ids],
            "direct": [f"{api}/api/books/{b}" for api in catalog_apis for b in book_ids],
            "gateway": [f"{gateway}/api/books/{b}" for b in book_ids],
            "frontend": [f"{frontend}/books/{b}" for b in book_ids],
        },
        concurrency=concurrency,
        duration=duration,
    )
    browse = [f"/api/books?page={p}&per_page=20" for p in range(1, pages + 1)]
    search = [f"/api/books?q={q}&per_page=20" for q in catalog_browse.QUERIES]
    lists = side_by_side(
        {
            "browse_direct": [api + path for api in catalog_apis for path in browse],
            "browse_gateway": [gateway + path for path in browse],
            "search_direct": [api + path for api in catalog_apis for path in search],
            "search_gateway": [gateway + path for path in search],
        },
        concurrency=concurrency,
        duration=duration / 2,
    )
    return {"book": book, "lists": lists}


def listing_latency(
    gateway: str, seller_token: str, order_database_url: str, *, count: int
) -> dict[str, Any]:
    """`POST /api/books` answered → the book is in the order read model, one listing at a time."""
    http, engine = requests.Session(), create_engine(order_database_url)
    headers = {"Authorization": f"Bearer {seller_token}"}
    body = {"title": "Fresh", "author": "Bench", "condition": "good", "price": "4.00", "stock": 1}
    latencies: list[float] = []
    try:
        with engine.connect() as conn:
            for _ in range(count):
                answer = http.post(f"{gateway}/api/books", json=body, headers=headers, timeout=10)
                answered, book_id = time.perf_counter(), answer.json()["id"]
                while not _known(conn, book_id):
                    if time.perf_counter() - answered > 30:
                        raise TimeoutError(f"book {book_id} never reached the read model")
                    time.sleep(0.001)
                latencies.append(time.perf_counter() - answered)
    finally:
        engine.dispose()
    return {"listings": count, **percentiles(latencies)}


def _known(conn: Any, book_id: str) -> bool:
    found = conn.execute(
        text(f"SELECT 1 FROM {ReadBook.__tablename__} WHERE book_id = :id"), {"id": book_id}
    ).first()
    conn.commit()  # a fresh snapshot for the next look
    return found is not None


def create_database_user(name: str, database_prefix: str) -> str:
    """A user for this run's databases only, so its statements can be counted apart."""
    engine = create_engine(SERVER)
    with engine.connect() as conn:
        for host in ("localhost", "127.0.0.1", "%"):
            conn.execute(text(f"CREATE USER IF NOT EXISTS '{name}'@'{host}'"))
            pattern = database_prefix.replace("_", "\\_") + "%"
            conn.execute(text(f"GRANT ALL ON `{pattern}`.* TO '{name}'@'{host}'"))
    engine.dispose()
    return f"mysql+pymysql://{name}@127.0.0.1:3306/"


def drop_database_user(name: str) -> None:
    engine = create_engine(SERVER)
    with engine.connect() as conn:
        for host in ("localhost", "127.0.0.1", "%"):
            conn.execute(text(f"DROP USER IF EXISTS '{name}'@'{host}'"))
    engine.dispose()


def _statements(conn: Any, user: str) -> int:
    row = conn.execute(
        text(
            "SELECT SELECT_COMMANDS + UPDATE_COMMANDS + OTHER_COMMANDS"
            " FROM information_schema.USER_STATISTICS WHERE USER = :u"
        ),
        {"u": user},
    ).first()
    return int(row[0]) if row else 0


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            for one in [process, *process.children(recursive=True)]:
                times = one.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


SERVERS = ("mariadbd", "beam.smp")  # MariaDB and RabbitMQ, shared with everything else here


def cpu_by_part(named_pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each part of the system: a process group's replicas added up
    (`order-api`, `order-api1` -> `order-api`), plus the database and the broker servers."""
    parts: dict[str, float] = {}
    for name, pid in named_pids.items():
        part = name.rstrip("0123456789")
        parts[part] = parts.get(part, 0.0) + _cpu_seconds([pid])
    for process in psutil.process_iter(["name"]):
        if process.info["name"] in SERVERS:
            label = {"mariadbd": "MariaDB", "beam.smp": "RabbitMQ"}[process.info["name"]]
            parts[label] = parts.get(label, 0.0) + _cpu_seconds([process.pid])
    return parts


def idle_cost(pids: list[int], database_url: str, *, settle: float, seconds: float) -> dict:
    """CPU (% of one core, all processes) and database statements/s of a system nobody uses."""
    user = make_url(database_url).username or ""
    engine = create_engine(SERVER)
    with engine.connect() as conn:
        was_on = conn.execute(text("SELECT @@global.userstat")).scalar()
        conn.execute(text("SET GLOBAL userstat = 1"))
        try:
            time.sleep(settle)
            statements, cpu = _statements(conn, user), _cpu_seconds(pids)
            time.sleep(seconds)
            statements = _statements(conn, user) - statements
            cpu = _cpu_seconds(pids) - cpu
        finally:
            conn.execute(text(f"SET GLOBAL userstat = {int(bool(was_on))}"))
    engine.dispose()
    return {
        "seconds": seconds,
        "processes": len(pids),
        "cpu_percent": round(100 * cpu / seconds, 1),
        "db_statements_per_s": round(statements / seconds, 1),
    }
