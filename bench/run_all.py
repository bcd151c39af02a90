"""`make bench`: the whole system, 10,000 books, the five measurements, one table.

    .venv/bin/python -m bench.run_all [--quick] [--port-base 19600] [--replicas 2]

Starts every process (scripts.stack, `--replicas` api and worker processes per service, like
the e2e suite) on its own databases, broker prefix and ports, so it never touches a `make run`;
SHIPPING_DELAY_SECONDS=0 so the saga's `shipped` timing is the system's own. Loads 10,000 books
into the catalogue and republishes them through the catalog outbox (so the order read model has
them too), runs the measurements of bench/measures.py, prints a Markdown table and writes
bench/results/latest.json and bench/results/latest.md. Every ratio compares figures taken in
this run on this machine; nothing here asserts an absolute time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from bench import catalog_browse, fast_paths, measures, saga_latency
from bench.report import markdown
from catalog_service.db import Database
from catalog_service.models import Book
from catalog_service.republish import republish_all
from order_service.models import Book as ReadBook
from scripts.keys import ensure_key_pair
from scripts.stack import (
    ROOT,
    SERVICES,
    Ports,
    ProcessGroup,
    ProcessSpec,
    gunicorn,
    migrate_all,
    process_specs,
    stack_env,
)
from shared.db import ensure_database
from shared.events import Topology

SERVER = "mysql+pymysql://root@127.0.0.1:3306/"
AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"
RESULTS = ROOT / "bench/results"


def start_system(port_base: int, replicas: int) -> tuple[ProcessGroup, dict[str, str], Ports]:
    run = uuid.uuid4().hex[:8]
    keys = Path(tempfile.mkdtemp(prefix="bench-keys-"))
    ensure_key_pair(keys / "jwt_private.pem", keys / "jwt_public.pem")
    for url in (f"{SERVER}bench_{run}_{s}" for s in SERVICES):
        ensure_database(url)
    # The services log in as a user of their own, so the idle figure counts their statements only.
    server = fast_paths.create_database_user(f"bench_{run}", f"bench_{run}_")
    urls = {f"{s.upper()}_DATABASE_URL": f"{server}bench_{run}_{s}" for s in SERVICES}
    ports = Ports.offset(port_base)
    extra = {
        **urls,
        "RABBITMQ_URL": AMQP,
        "EVENT_PREFIX": f"bench{run}.",
        "JWT_PRIVATE_KEY_FILE": str(keys / "jwt_private.pem"),
        "JWT_PUBLIC_KEY_FILE": str(keys / "jwt_public.pem"),
        "ARGON2_PROFILE": "test",
        "SHIPPING_DELAY_SECONDS": "0",
        "DELIVERY_DELAY_SECONDS": "3600",  # `shipped` is what we time; delivery only adds load
        "COVERS_DIR": tempfile.mkdtemp(prefix="bench-covers-"),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "8",
        "LOG_LEVEL": "WARNING",
    }
    env = stack_env(ports, extra, api_replicas=replicas)
    migrate_all(env)
    specs = process_specs(ports, env, api_replicas=replicas, worker_replicas=replicas)
    bare = bare_port(ports)
    specs.append(
        ProcessSpec(
            "bare-flask",
            [*gunicorn("bench", bare)[:-1], "bench.bare_flask:app"],  # same gunicorn settings
            env,
            f"http://127.0.0.1:{bare}/health/live",
        )
    )
    group = ProcessGroup(specs, log_dir=ROOT / "var/log/bench" / run)
    try:
        group.start(timeout=180)
    except Exception:
        stop_system(group, env)
        raise
    return group, env, ports


def bare_port(ports: Ports) -> int:
    """The bare Flask baseline's port: past the workers' block of `Ports.offset`."""
    return ports.gateway + 30


def stop_system(group: ProcessGroup, env: dict[str, str]) -> None:
    group.stop()
    saga_latency.drop(env)
    fast_paths.drop_database_user(make_url(env["CATALOG_DATABASE_URL"]).username or "")


def load_books(env: dict[str, str], count: int) -> dict[str, Any]:
    """`count` books straight into the catalogue, then through its outbox to the read model."""
    started = time.monotonic()
    catalog_browse.seed(env["CATALOG_DATABASE_URL"], count)
    seeded = time.monotonic()
    catalog = Database(env["CATALOG_DATABASE_URL"])
    republished = republish_all(sessions=catalog.session)
    catalog.engine.dispose()
    read_model = create_engine(env["ORDER_DATABASE_URL"])
    deadline = time.monotonic() + 600
    while (known := _count(read_model)) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the order read model holds {known} of {count} books")
        time.sleep(0.5)
    read_model.dispose()
    return {
        "books": count,
        "insert_seconds": round(seeded - started, 1),
        "republished": republished,
        "to_read_model_seconds": round(time.monotonic() - seeded, 1),
    }


def _count(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ReadBook)) or 0)


def book_ids(env: dict[str, str]) -> tuple[list[str], int]:
    """Every book id, and how many full pages of 20 the default listing (in stock) has."""
    engine = create_engine(env["CATALOG_DATABASE_URL"])
    with engine.connect() as conn:
        ids = list(conn.scalars(select(Book.id).order_by(Book.id)))
        in_stock = conn.scalar(select(func.count()).where(Book.stock > 0)) or 0
    engine.dispose()
    return ids, max(1, min(50, int(in_stock) // 20))


def measure(
    group: ProcessGroup, env: dict[str, str], ports: Ports, args: argparse.Namespace
) -> dict[str, Any]:
    gateway = f"http://127.0.0.1:{ports.gateway}"
    step("idle cost")
    pids = [proc.pid for name, proc in group.procs.items() if name != "bare-flask"]
    results: dict[str, Any] = {
        "idle": fast_paths.idle_cost(
            pids, env["CATALOG_DATABASE_URL"], settle=args.duration, seconds=args.duration * 3
        )
    }
    results["load"] = load_books(env, args.books)
    ids, pages = book_ids(env)
    apis = [f"http://127.0.0.1:{ports.apis['catalog'] + 100 * i}" for i in range(args.replicas)]
    sample = random.Random(7).sample(ids, 50)
    step("reads: bare Flask, catalog api, gateway, frontend; browse and search")
    results["reads"] = reads = fast_paths.reads(
        bare=f"http://127.0.0.1:{bare_port(ports)}",
        catalog_apis=apis,
        gateway=gateway,
        frontend=f"http://127.0.0.1:{ports.frontend}",
        book_ids=sample,
        pages=pages,
        concurrency=args.concurrency,
        duration=args.duration,
    )
    results["gateway_overhead"] = measures.overhead(
        reads["book"]["direct"], reads["book"]["gateway"]
    )
    results["browse_search"] = {
        kind: reads["lists"][f"{kind}_gateway"] for kind in ("browse", "search")
    }
    step("event pipeline")
    results["event_pipeline"] = measures.event_pipeline_burst(env, ids[: args.burst])
    client = saga_latency.Client(gateway)
    seller = client.user("seller")
    tokens = [client.user(f"buyer{i}") for i in range(8)]
    step("new listing to the order read model")
    results["listing"] = fast_paths.listing_latency(
        gateway, seller, env["ORDER_DATABASE_URL"], count=args.orders // 2
    )
    books = [saga_latency.listed_book(client, seller, tokens[0], 10000) for _ in range(4)]
    results["saga"] = {}
    watcher = measures.PaidWatcher(env["RABBITMQ_URL"], Topology(env["EVENT_PREFIX"]))
    try:
        named = {n: p.pid for n, p in group.procs.items() if n != "bare-flask"}
        for buyers in (1, 8):
            step(f"saga latency, {buyers} buyer(s)")
            before = fast_paths.cpu_by_part(named)
            saga = measures.saga_latency_with(
                gateway, tokens[:buyers], books, orders=args.orders, watcher=watcher
            )
            used = fast_paths.cpu_by_part(named)
            # Where the machine's time goes per paid order (the servers count everyone's work).
            saga["cpu_ms_per_order"] = {
                part: round(1000 * (used[part] - before.get(part, 0.0)) / max(saga["orders"], 1), 1)
                for part in sorted(used, key=lambda p: before.get(p, 0.0) - used[p])
            }
            results["saga"][str(buyers)] = saga
    finally:
        watcher.close()
    step("orders per second")
    results["orders_per_second"] = measures.orders_per_second(
        gateway, tokens, books, seconds=args.duration * 2
    )
    return results


def step(name: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {name}", file=sys.stderr, flush=True)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=5_000, help="book.updated events")
    parser.add_argument("--orders", type=int, default=200, help="per saga measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="HTTP clients")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per HTTP figure")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument(
        "--port-base", type=int, default=int(os.environ.get("BENCH_PORT_BASE", "19600"))
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: small and short")
    args = parser.parse_args()
    if args.quick:
        args.books, args.burst, args.orders, args.duration = 1000, 500, 20, 3.0
    return args


def main() -> int:
    args = parse()
    started = time.monotonic()
    step("starting the system")
    group, env, ports = start_system(args.port_base, args.replicas)
    try:
        results = measure(group, env, ports, args)
    finally:
        stop_system(group, env)
    results["meta"] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "command": "make bench  # .venv/bin/python -m bench.run_all " + " ".join(sys.argv[1:]),
        "cpus": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "replicas": args.replicas,
        "concurrency": args.concurrency,
        "seconds_total": round(time.monotonic() - started, 1),
    }
    before = RESULTS / "before.json"
    table = markdown(results, json.loads(before.read_text()) if before.exists() else None)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
