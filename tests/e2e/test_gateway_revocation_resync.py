"""A gateway process whose broker connection is cut re-binds its queue, re-reads the revocation
list and so still refuses a token revoked while it was disconnected (fault injection)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
import requests

from scripts.stack import ProcessGroup, ProcessSpec, gunicorn
from tests.support.ports import free_port
from tests.support.system import System, auth_header, logs_dir

pytestmark = [pytest.mark.timeout(180), pytest.mark.faults]


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def rabbitmqctl(*args: str) -> str:
    return subprocess.run(
        ["rabbitmqctl", "-q", *args], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def follower_connections(worker_pid: int) -> list[str]:
    """Broker-side pids of the revocation follower connection of one gunicorn worker."""
    wanted = f"api_gateway-{worker_pid}-revocations"
    names = []
    for connection in json.loads(
        rabbitmqctl("list_connections", "name", "client_properties", "--formatter", "json") or "[]"
    ):
        props = {p[0]: p[2] for p in connection.get("client_properties", [])}
        if props.get("connection_name") == wanted:
            names.append(connection["name"])
    # The JSON pid form is not accepted by close_connection; the tab-separated one is.
    rows = [
        line.split("\t") for line in rabbitmqctl("list_connections", "pid", "name").splitlines()
    ]
    return [row[0] for row in rows if len(row) == 2 and row[1] in names]


def wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def me(url: str, token: str) -> int:
    return requests.get(f"{url}/api/auth/me", headers=auth_header(token), timeout=10).status_code


def test_a_gateway_cut_off_from_the_broker_catches_up_on_revocations(system: System) -> None:
    port = free_port()
    spec = ProcessSpec(
        "gateway-resync",
        gunicorn("api_gateway", port),
        system.env,
        f"http://127.0.0.1:{port}/health/live",
    )
    group = ProcessGroup([spec], log_dir=logs_dir())
    group.start(timeout=60)
    url = f"http://127.0.0.1:{port}"
    try:
        _, token = system.register_and_login("Cut Off")
        assert me(url, token) == 200  # also starts the follower
        worker = children(group.procs["gateway-resync"].pid)[0]
        assert wait_for(lambda: follower_connections(worker), 20)
        cut = follower_connections(worker)
        for connection in cut:
            subprocess.run(
                ["rabbitmqctl", "-q", "close_connection", connection, "test cut"],
                check=True,
                capture_output=True,
                timeout=60,
            )
        out = requests.post(system.api("/api/auth/logout"), headers=auth_header(token), timeout=10)
        assert out.status_code == 204
        assert wait_for(lambda: me(url, token) == 401, 10), "revocation never reached it"
        assert wait_for(lambda: set(follower_connections(worker)) - set(cut), 20), (
            "follower never reconnected"
        )
    finally:
        group.stop()
