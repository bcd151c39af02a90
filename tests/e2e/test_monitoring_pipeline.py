"""Monitoring end to end: a real Prometheus (Debian's) scrapes every process of the running
system with the shipped alert rules, checkout traffic flows, and the order journey dashboard's
queries answer from that data. The dashboard is drawn to a PNG (docs/ under make screenshots)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from scripts import dashboard_render, dashboards
from scripts.stack import SERVICES
from tests.faults.load import CheckoutLoad
from tests.support.ports import free_port
from tests.support.system import System, auth_header

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = shutil.which("prometheus")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(PROMETHEUS is None, reason="Prometheus not installed (apt: prometheus)"),
]
LOAD_SECONDS = 45


def targets(system: System) -> list[dict]:
    """The static equivalent of the stack's DNS discovery, with the same job and service labels."""
    replicas = int(os.environ.get("E2E_REPLICAS", "2"))
    p = system.ports
    found = [
        {"targets": [f"127.0.0.1:{port}"], "labels": {"job": "api", "swarm_service": name}}
        for name, port in (("gateway", p.gateway), ("frontend", p.frontend))
    ]
    for service in SERVICES:
        for role, base in (("api", p.apis[service]), ("worker", p.workers[service])):
            found.append({
                "targets": [f"127.0.0.1:{base + 100 * i}" for i in range(replicas)],
                "labels": {"job": role, "swarm_service": f"{service}-{role}"},
            })  # fmt: skip
    return found


@pytest.fixture
def prometheus(system: System, tmp_path: Path) -> Iterator[str]:
    shipped = yaml.safe_load((ROOT / "monitoring/prometheus/prometheus.yml").read_text())
    shutil.copy(ROOT / "monitoring/prometheus/alerts.yml", tmp_path / "alerts.yml")
    config = {
        "global": {**shipped["global"], "scrape_interval": "2s", "evaluation_interval": "2s"},
        "rule_files": shipped["rule_files"],
        "scrape_configs": [{"job_name": "bookstore", "static_configs": targets(system)}],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    process = subprocess.Popen(
        [str(PROMETHEUS), f"--config.file={tmp_path / 'prometheus.yml'}",
         f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("wb"),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{base}/-/ready", timeout=2).status_code == 200)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for(predicate, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError("condition not met in time")


def query(base: str, expr: str) -> list[dict]:
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return list(json.loads(response.read())["data"]["result"])


def shop(system: System) -> tuple[list[str], list[str]]:
    """Books with plenty of stock, and buyers' tokens."""
    _, seller = system.register_and_login("Monitored Seller")
    books = []
    for n in range(4):
        body = {"title": f"Observability Vol. {n}", "author": "P. Metheus",
                "condition": "good", "price": "7.25", "stock": 500}  # fmt: skip
        answer = requests.post(system.api("/api/books"), json=body, headers=auth_header(seller))
        assert answer.status_code == 201, answer.text
        books.append(answer.json()["id"])
    buyers = [system.register_and_login(f"Watcher {i}")[1] for i in range(3)]
    return books, buyers


def test_prometheus_scrapes_every_process_and_the_order_journey_has_data(
    system: System, prometheus: str
) -> None:
    expected = len([t for group in targets(system) for t in group["targets"]])
    wait_for(lambda: len(query(prometheus, "up == 1")) == expected)
    books, buyers = shop(system)
    with CheckoutLoad(system.gateway_url, buyers, books, pause=0.2) as load:
        time.sleep(LOAD_SECONDS)
    assert load.outcomes.accepted, load.outcomes.answers

    accepted = 'http_requests_total{service="order_service", route="/api/orders", method="POST", status=~"2.."}'  # noqa: E501
    wait_for(lambda: sum(float(r["value"][1]) for r in query(prometheus, accepted)) > 0)
    wait_for(lambda: query(prometheus, 'saga_since_placed_seconds_count{status="paid"} > 0'))
    assert {r["metric"]["service"] for r in query(prometheus, "outbox_pending_events")} == set(
        SERVICES
    )
    dead = query(prometheus, 'max by (queue) (events_queue_messages{kind="dead"})')
    assert {r["metric"]["queue"] for r in dead} == {
        f"{system.prefix}{s}.events.dead"
        for s in ("catalog", "order", "order.books", "notification")
    }
    assert all(float(r["value"][1]) == 0 for r in dead)
    ready = query(prometheus, "bookstore_ready")
    assert ready and all(float(r["value"][1]) == 1 for r in ready)

    board = dashboards.all_dashboards()["bookstore-order-journey.json"]
    out = Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "var" / "screenshots"))
    drawn = dashboard_render.render(prometheus, board, 2, out / "dashboard-order-journey.png")
    assert drawn >= len(board["panels"]) - 1, "every panel but the dead letters' shows data"
