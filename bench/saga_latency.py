"""Order saga latency (pending -> paid) and checkout throughput, through the gateway.

    .venv/bin/python -m bench.saga_latency [--orders 200] [--clients 8] [--seconds 20]

Starts its own whole stack (2 api + 2 worker per service, like the e2e suite) on its own
databases, broker prefix and ports, so it never touches a `make run`. Two phases:

1. light load: `--orders` orders one after another; the saga latency of each is the time between
   its `pending` and `paid` timeline entries (both stamped by order_service, same clock);
2. throughput: `--clients` buyers place orders back to back for `--seconds`; reports accepted
   orders per second, any non-202 answer as an error, and checks every accepted order got paid.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from scripts.keys import ensure_key_pair
from scripts.stack import ROOT, SERVICES, Ports, ProcessGroup, migrate_all, process_specs, stack_env
from shared.db import ensure_database
from tests.support.namespace import delete_topology

AMQP = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
SERVER = "mysql+pymysql://root@127.0.0.1:3306/"
CARD = {
    "card_number": "4242424242424242",
    "exp_month": 12,
    "exp_year": 2030,
    "cvc": "123",
    "holder": "Bench Buyer",
}
ADDRESS = {
    "name": "Bench Buyer",
    "line1": "1 Main St",
    "city": "Lyon",
    "postal_code": "69001",
    "country": "FR",
}
SOLD = {"paid", "shipped", "delivered"}


class Client:
    def __init__(self, gateway: str) -> None:
        self.gateway, self.http = gateway, requests.Session()

    def user(self, name: str) -> str:
        email = f"{name}.{uuid.uuid4().hex[:8]}@example.com"
        body = {"email": email, "password": "correct horse battery", "name": name}
        assert self.http.post(f"{self.gateway}/api/auth/register", json=body).status_code == 201
        login = self.http.post(
            f"{self.gateway}/api/auth/login", json={"email": email, "password": body["password"]}
        )
        return str(login.json()["access_token"])

    def order(self, token: str, book: str) -> requests.Response:
        return self.http.post(
            f"{self.gateway}/api/orders",
            timeout=30,
            headers={"Authorization": f"Bearer {token}"},
            json={
                "items": [{"book_id": book, "quantity": 1}],
                "shipping_address": ADDRESS,
                "payment": CARD,
            },
        )

    def get(self, token: str, order_id: str) -> dict[str, Any]:
        return dict(
            self.http.get(
                f"{self.gateway}/api/orders/{order_id}",
                timeout=30,
                headers={"Authorization": f"Bearer {token}"},
            ).json()
        )


def listed_book(client: Client, seller: str, buyer: str, stock: int) -> str:
    auth = {"Authorization": f"Bearer {seller}"}
    book = client.http.post(
        f"{client.gateway}/api/books",
        headers=auth,
        json={
            "title": "Bench",
            "author": "Bench",
            "condition": "good",
            "price": "5.00",
            "stock": stock,
        },
    ).json()["id"]
    deadline = time.monotonic() + 30
    while (
        client.http.put(
            f"{client.gateway}/api/cart/items/{book}",
            json={"quantity": 1},
            headers={"Authorization": f"Bearer {buyer}"},
        ).status_code
        != 200
    ):
        assert time.monotonic() < deadline, "the order read model never got the book"
        time.sleep(0.1)
    return str(book)


def wait_paid(client: Client, token: str, order_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        order = client.get(token, order_id)
        if order["status"] in SOLD or time.monotonic() > deadline:
            return order
        time.sleep(0.02)


def saga_seconds(order: dict[str, Any]) -> float:
    at = {
        e["status"]: datetime.fromisoformat(e["at"].replace("Z", "+00:00"))
        for e in order["timeline"]
    }
    return (at["paid"] - at["pending"]).total_seconds()


def light_load(client: Client, token: str, book: str, count: int) -> dict[str, float]:
    latencies = []
    for _ in range(count):
        placed = client.order(token, book)
        assert placed.status_code == 202, placed.text
        order = wait_paid(client, token, placed.json()["id"])
        assert order["status"] in SOLD, order
        latencies.append(saga_seconds(order) * 1000)
    latencies.sort()
    return {
        "orders": count,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[int(0.99 * (count - 1))], 1),
        "max_ms": round(latencies[-1], 1),
    }


def throughput(
    client_factory: Any, tokens: list[str], books: list[str], seconds: float
) -> dict[str, Any]:
    accepted: list[tuple[str, str]] = []
    errors: list[str] = []
    lock, stop = threading.Lock(), time.monotonic() + seconds

    def buyer(i: int) -> None:
        client, token, book = client_factory(), tokens[i], books[i % len(books)]
        while time.monotonic() < stop:
            answer = client.order(token, book)
            with lock:
                if answer.status_code == 202:
                    accepted.append((token, answer.json()["id"]))
                else:
                    errors.append(f"{answer.status_code} {answer.text[:200]}")

    started = time.monotonic()
    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    checker = client_factory()
    unpaid = [
        oid
        for token, oid in accepted
        if wait_paid(checker, token, oid, timeout=120)["status"] not in SOLD
    ]
    return {
        "clients": len(tokens),
        "seconds": round(elapsed, 1),
        "accepted": len(accepted),
        "orders_per_second": round(len(accepted) / elapsed, 1),
        "errors": len(errors),
        "first_errors": errors[:3],
        "accepted_but_never_paid": len(unpaid),
    }


def start_stack(base_port: int, log_dir: Path) -> tuple[ProcessGroup, dict[str, str], str]:
    run = uuid.uuid4().hex[:8]
    prefix = f"bench{run}."
    keys = Path(tempfile.mkdtemp(prefix="bench-keys-"))
    ensure_key_pair(keys / "jwt_private.pem", keys / "jwt_public.pem")
    urls = {f"{s.upper()}_DATABASE_URL": f"{SERVER}bench_{run}_{s}" for s in SERVICES}
    for url in urls.values():
        ensure_database(url)
    ports = Ports.offset(base_port)
    env = stack_env(
        ports,
        {
            **urls,
            "RABBITMQ_URL": AMQP,
            "EVENT_PREFIX": prefix,
            "JWT_PRIVATE_KEY_FILE": str(keys / "jwt_private.pem"),
            "JWT_PUBLIC_KEY_FILE": str(keys / "jwt_public.pem"),
            "ARGON2_PROFILE": "test",
            "SHIPPING_DELAY_SECONDS": "3600",
            "DELIVERY_DELAY_SECONDS": "3600",
            "COVERS_DIR": tempfile.mkdtemp(prefix="bench-covers-"),
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "8",
            "LOG_LEVEL": "WARNING",
        },
        api_replicas=2,
    )
    migrate_all(env)
    group = ProcessGroup(process_specs(ports, env, api_replicas=2, worker_replicas=2), log_dir)
    group.start(timeout=120)
    return group, env, f"http://127.0.0.1:{ports.gateway}"


def drop(env: dict[str, str]) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = create_engine(SERVER)
    with server.connect() as conn:
        for service in SERVICES:
            name = make_url(env[f"{service.upper()}_DATABASE_URL"]).database
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    server.dispose()
    delete_topology(
        AMQP, env["EVENT_PREFIX"], services=("catalog", "order", "order.books", "notification")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port-base", type=int, default=24600)
    args = parser.parse_args()
    group, env, gateway = start_stack(args.port_base, ROOT / "var/log/bench")
    try:
        client = Client(gateway)
        seller = client.user("seller")
        tokens = [client.user(f"buyer{i}") for i in range(max(args.clients, 1))]
        books = [listed_book(client, seller, tokens[0], 10000) for _ in range(4)]
        results = {
            "light_load": light_load(client, tokens[0], books[0], args.orders),
            "throughput": throughput(lambda: Client(gateway), tokens, books, args.seconds),
        }
        print(json.dumps(results, indent=2))
        out = ROOT / "bench/results/saga_latency.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        group.stop()
        drop(env)


if __name__ == "__main__":
    main()
