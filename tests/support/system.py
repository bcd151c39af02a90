"""The whole system, started once per test session, beside (never on) a `make run`.

The `system` fixture itself lives in tests/conftest.py, so that the e2e, browser and fault
tiers share one stack in a session; this module is how it is started and driven.

Every service runs as E2E_REPLICAS api and worker processes (default 2: what
`docker service scale` would do), on databases, broker names and ports unique to this run.

NOTE for the gateway: with several api replicas, AUTH_URL, CATALOG_URL and ORDER_URL hold
comma-separated base URLs ("http://127.0.0.1:18010,http://127.0.0.1:18110"); the gateway
round-robins across them (what Swarm's service VIP does in production).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from scripts.keys import ensure_key_pair
from scripts.stack import ROOT, SERVICES, Ports, ProcessGroup, migrate_all, process_specs, stack_env
from tests.support.namespace import RUN_ID, delete_topology
from tests.support.ports import free_port_base


@dataclass
class System:
    gateway_url: str
    frontend_url: str
    ports: Ports
    env: dict[str, str]
    group: ProcessGroup
    prefix: str

    def api(self, path: str) -> str:
        return f"{self.gateway_url}{path}"

    def register_and_login(
        self, name: str = "Reader", *, auto_ship: bool = True
    ) -> tuple[dict, str]:
        """A new user (unique email) and their access token.

        Users sell with auto-ship on (the simulated carrier ships for them, as for the demo
        sellers), so journeys reach `delivered` alone; manual shipping has tests of its own."""
        email = f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:8]}@example.com"
        password = "correct horse battery"
        created = requests.post(
            self.api("/api/auth/register"),
            json={"email": email, "password": password, "name": name},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        login = requests.post(
            self.api("/api/auth/login"), json={"email": email, "password": password}, timeout=10
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        if auto_ship:
            settings = requests.put(
                self.api("/api/me/seller-settings"),
                json={"auto_ship": True},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert settings.json() == {"auto_ship": True}, settings.text
        return login.json()["user"], token


def auth_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def running_system(
    servers: dict[str, str],
    database_factory: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[System]:
    """Start the whole stack, yield it, stop it (fixtures of any scope build on this)."""
    replicas = int(os.environ.get("E2E_REPLICAS", "2"))
    ports = Ports.offset(free_port_base(replicas))
    prefix = f"{RUN_ID}.e2e."
    keys = tmp_path_factory.mktemp("keys")
    ensure_key_pair(keys / "jwt_private.pem", keys / "jwt_public.pem")
    extra = {
        **{f"{s.upper()}_DATABASE_URL": database_factory(f"e2e_{s}") for s in SERVICES},
        "RABBITMQ_URL": servers["amqp"],
        "EVENT_PREFIX": prefix,
        "JWT_PRIVATE_KEY_FILE": str(keys / "jwt_private.pem"),
        "JWT_PUBLIC_KEY_FILE": str(keys / "jwt_public.pem"),
        "ARGON2_PROFILE": "test",
        # Every e2e test registers from 127.0.0.1; the hourly limit is tested in integration.
        "REGISTRATION_LIMIT_PER_CLIENT": "100000",
        # Tests may speak for a client of their own (the API fuzzing's logins do).
        "GATEWAY_TRUSTED_PROXIES": "127.0.0.1/32",
        "SHIPPING_DELAY_SECONDS": "2",
        "DELIVERY_DELAY_SECONDS": "2",
        "COVERS_DIR": str(tmp_path_factory.mktemp("covers")),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "8",
        "LOG_LEVEL": "INFO",
    }
    env = stack_env(ports, extra, api_replicas=replicas)
    migrate_all(env)
    group = ProcessGroup(
        process_specs(ports, env, api_replicas=replicas, worker_replicas=replicas),
        log_dir=ROOT / "var/log/e2e" / RUN_ID,
    )
    try:
        group.start(timeout=120)
        yield System(
            gateway_url=f"http://127.0.0.1:{ports.gateway}",
            frontend_url=f"http://127.0.0.1:{ports.frontend}",
            ports=ports,
            env=env,
            group=group,
            prefix=prefix,
        )
    finally:
        group.stop()
        delete_topology(
            servers["amqp"], prefix, services=("catalog", "order", "order.books", "notification")
        )


def logs_dir() -> Path:
    return ROOT / "var/log/e2e" / RUN_ID
