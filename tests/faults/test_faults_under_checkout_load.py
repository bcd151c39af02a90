"""Whole-system faults under checkout load: after each, nothing is lost and nothing happens twice.

Each test: fresh books, four buyers checking out in a loop (some cards fail at capture, some
orders are cancelled), the fault in the middle, then tests.support.invariants over every book listed
so far, every accepted order in a final state, both outboxes drained and no dead letter left.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial

import pytest
import requests
from sqlalchemy import Connection, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from order_service.models import Order
from scripts.stack import ROOT
from tests.faults.conftest import Shop, wait_for
from tests.faults.load import CheckoutLoad, checkout_body
from tests.support.broker import broker_stopped
from tests.support.system import auth_header

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]
# Two scarce books (buyers race for them: rejections), two middling, two plentiful.
STOCKS = [3, 5, 40, 40, 150, 150]
UNKNOWN_THREAD_ID = 1094  # MariaDB's answer to KILL for a connection that already ended


def run_under_load(
    shop: Shop, fault: Callable[[], None], before: float = 5.0, after: float = 8.0
) -> CheckoutLoad:
    books = shop.list_books(STOCKS)
    with CheckoutLoad(shop.system.gateway_url, shop.buyers, books) as load:
        time.sleep(before)
        fault()
        time.sleep(after)
    return load


def assert_nothing_lost(shop: Shop, load: CheckoutLoad) -> None:
    outcomes = load.outcomes
    assert outcomes.unresolved == [], f"checkouts never answered: {outcomes.unresolved}"
    assert outcomes.bad_shape == [], "refusals outside the API error shape"
    assert len(outcomes.accepted) >= 10, f"too little load to prove anything: {outcomes}"
    report = shop.settle()
    assert report.ok, str(report)
    accepted = set(outcomes.accepted)
    with shop.dbs.order.connect() as conn:
        kept = conn.scalar(select(func.count()).where(Order.id.in_(accepted)))
    assert kept == len(accepted), "an order answered 202 is missing from the database"
    assert shop.dead_letters() == {"catalog": 0, "order": 0, "order.books": 0}
    print(
        f"\n{len(accepted)} orders accepted, answers {dict(outcomes.answers)}, "
        f"{outcomes.retries} client retries; {report.orders}"
    )


def test_a_broker_restart_during_checkouts_loses_no_order_and_sells_no_copy_twice(
    shop: Shop,
) -> None:
    def restart_broker() -> None:
        with broker_stopped(shop.system.env["RABBITMQ_URL"]):
            time.sleep(5)  # checkouts keep being accepted: their events wait in the outboxes

    assert_nothing_lost(shop, run_under_load(shop, restart_broker, after=12.0))


@pytest.mark.parametrize("worker", ["order-worker", "catalog-worker1"])
def test_a_worker_killed_under_load_loses_nothing_once_restarted(shop: Shop, worker: str) -> None:
    group = shop.system.group

    def kill_worker() -> None:
        group.signal(worker, signal.SIGKILL)
        group.procs[worker].wait(10)
        time.sleep(2)  # its unacked messages go back to the queue, to the other replica
        group.restart(worker)

    assert_nothing_lost(shop, run_under_load(shop, kill_worker))


def test_database_connections_killed_from_the_server_side_lose_nothing(
    shop: Shop, servers: dict[str, str]
) -> None:
    env = shop.system.env
    databases = [make_url(env[f"{s}_DATABASE_URL"]).database for s in ("CATALOG", "ORDER")]
    server = create_engine(servers["mysql"])

    def kill_connections() -> None:
        for _ in range(3):
            with server.connect() as conn:
                killed = kill_service_connections(conn, databases)
                # Confirmed: the server no longer holds any connection it was told to kill.
                assert killed, "no service connection to kill: is the system using these databases?"
                wait_for(partial(all_gone, conn, killed), timeout=10, every=0.1)
            time.sleep(1.5)

    try:
        assert_nothing_lost(shop, run_under_load(shop, kill_connections))
    finally:
        server.dispose()


def service_connections(conn: Connection, databases: list[str | None]) -> list[int]:
    return list(
        conn.scalars(
            text(
                "SELECT ID FROM information_schema.PROCESSLIST"
                " WHERE DB IN :dbs AND ID <> CONNECTION_ID()"
            ).bindparams(dbs=tuple(databases))
        )
    )


def kill_service_connections(conn: Connection, databases: list[str | None]) -> list[int]:
    """KILL every connection to these databases; the ids actually killed."""
    killed = []
    for connection_id in service_connections(conn, databases):
        try:
            conn.execute(text(f"KILL CONNECTION {int(connection_id)}"))
        except DBAPIError as exc:
            if exc.orig is None or exc.orig.args[0] != UNKNOWN_THREAD_ID:
                raise  # only "it ended meanwhile" is expected; anything else is a broken fault
        else:
            killed.append(connection_id)
    return killed


def all_gone(conn: Connection, ids: list[int]) -> bool:
    """None of these connections is in the server's process list any more."""
    left = conn.scalar(
        text("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID IN :ids").bindparams(
            ids=tuple(ids)
        )
    )
    return left == 0


def test_a_poison_message_is_dead_lettered_then_replayed_once_fixed(shop: Shop) -> None:
    """A reservation that fails for one book (a bug, fixed by a deploy) goes to the DLQ."""
    system, catalog = shop.system, shop.dbs.catalog
    poisoned = shop.list_books([4])[0]
    with catalog.begin() as conn:
        conn.execute(
            text(
                "CREATE TRIGGER fault_poison BEFORE INSERT ON reservations FOR EACH ROW"
                f" BEGIN IF NEW.items LIKE '%{poisoned}%' THEN"
                " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected bug'; END IF; END"
            )
        )
    try:
        order = place(system.gateway_url, shop.buyers[0], poisoned)

        def dead_lettered_while_others_go_on() -> None:
            wait_for(lambda: shop.dead_letters()["catalog"] == 1, timeout=60)
            assert status_of(system.gateway_url, shop.buyers[0], order) == "pending"

        load = run_under_load(shop, dead_lettered_while_others_go_on)
    finally:
        with catalog.begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS fault_poison"))
    replay = subprocess.run(
        [sys.executable, "-m", "shared.events", "dlq", "replay", "--service", "catalog"],
        env=system.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "replayed 1 message" in replay.stdout, replay.stdout + replay.stderr
    wait_for(lambda: status_of(system.gateway_url, shop.buyers[0], order) == "delivered", 60)
    assert_nothing_lost(shop, load)


def place(gateway_url: str, token: str, book_id: str) -> str:
    answer = requests.post(
        f"{gateway_url}/api/orders",
        json=checkout_body([{"book_id": book_id, "quantity": 1}]),
        headers=auth_header(token),
        timeout=15,
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def status_of(gateway_url: str, token: str, order_id: str) -> str:
    answer = requests.get(
        f"{gateway_url}/api/orders/{order_id}", headers=auth_header(token), timeout=10
    )
    return str(answer.json()["status"])
