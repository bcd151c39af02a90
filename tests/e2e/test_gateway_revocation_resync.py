"""A gateway process whose broker connection is cut re-binds its queue, re-reads the revocation
list and so still refuses a token revoked while it was disconnected (fault injection).

The gateway reaches the broker through a TCP gate the test shuts: the cut is confirmed by the
gate (no connection through it during the logout, reconnects refused) and by the gateway itself
(its readiness reports the revocation feed down), before recovery is asserted: once the feed
is back, the token is refused from the re-read list (the live event never reached it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from scripts.stack import ProcessGroup, ProcessSpec, gunicorn
from tests.support.ports import free_port
from tests.support.system import System, auth_header, logs_dir
from tests.support.tcp_gate import TcpGate, tcp_gate

pytestmark = [pytest.mark.timeout(180), pytest.mark.faults]


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def me(url: str, token: str) -> int:
    return requests.get(f"{url}/api/auth/me", headers=auth_header(token), timeout=10).status_code


def feed(url: str) -> str:
    """What the gateway's readiness says of its revocation feed: "ok" or "down"."""
    return str(requests.get(f"{url}/health/ready", timeout=10).json()["checks"]["revocations"])


def through(gate: TcpGate, amqp_url: str) -> str:
    """`amqp_url` with its host and port replaced by the gate's."""
    parts = urlsplit(amqp_url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{gate.port}" if credentials else f"127.0.0.1:{gate.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def test_a_gateway_cut_off_from_the_broker_catches_up_on_revocations(system: System) -> None:
    broker = urlsplit(system.env["RABBITMQ_URL"])
    with tcp_gate(broker.hostname or "127.0.0.1", broker.port or 5672) as gate:
        port = free_port()
        env = {**system.env, "RABBITMQ_URL": through(gate, system.env["RABBITMQ_URL"])}
        spec = ProcessSpec(
            "gateway-resync",
            gunicorn("api_gateway", port),
            env,
            f"http://127.0.0.1:{port}/health/live",
        )
        group = ProcessGroup([spec], log_dir=logs_dir())
        group.start(timeout=60)
        url = f"http://127.0.0.1:{port}"
        try:
            _, token = system.register_and_login("Cut Off")
            assert me(url, token) == 200  # also starts the follower
            assert wait_for(lambda: feed(url) == "ok", 20), "the feed never went live"
            assert gate.open_connections > 0
            gate.shut()
            assert wait_for(lambda: gate.refused > 0, 20), "the follower did not try to reconnect"
            assert wait_for(lambda: feed(url) == "down", 10), "the gateway did not see the cut"
            out = requests.post(
                system.api("/api/auth/logout"), headers=auth_header(token), timeout=10
            )
            assert out.status_code == 204
            # Still cut after the logout: its revocation event could not reach this process.
            assert gate.open_connections == 0 and feed(url) == "down"
            gate.reopen()
            assert wait_for(lambda: feed(url) == "ok", 30), "the follower never reconnected"
            assert gate.open_connections > 0
            assert me(url, token) == 401, "the re-read list missed the revocation"
        finally:
            group.stop()
