"""The whole system as local processes: what `make run` starts and what e2e tests start.

`Stack` knows every process of BookStore (api and worker of each service, gateway, frontend),
their ports and environment; `ProcessGroup` starts them, waits for health and stops them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVICES = ("auth", "catalog", "order", "notification")


@dataclass
class Ports:
    gateway: int = 8080
    frontend: int = 8000
    apis: dict[str, int] = field(
        default_factory=lambda: {"auth": 8101, "catalog": 8102, "order": 8103, "notification": 8104}
    )
    workers: dict[str, int] = field(
        default_factory=lambda: {"auth": 8201, "catalog": 8202, "order": 8203, "notification": 8204}
    )
    # The local mail catcher (scripts/mailcatcher.py): SMTP, and its JSON view.
    mail_smtp: int = 1025
    mail_http: int = 8025

    @classmethod
    def offset(cls, base: int) -> Ports:
        """A whole set of ports starting at `base` (for tests that run beside `make run`)."""
        return cls(
            gateway=base,
            frontend=base + 1,
            apis={s: base + 10 + i for i, s in enumerate(SERVICES)},
            workers={s: base + 20 + i for i, s in enumerate(SERVICES)},
            mail_smtp=base + 2,
            mail_http=base + 3,
        )


@dataclass
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str]
    health_url: str


def database_urls(suffix: str = "") -> dict[str, str]:
    base = "mysql+pymysql://root@127.0.0.1:3306/"
    names = {
        "auth": "bookstore_auth",
        "catalog": "bookstore_catalog",
        "order": "bookstore_orders",
        "notification": "bookstore_notifications",
    }
    return {f"{s.upper()}_DATABASE_URL": base + names[s] + suffix for s in SERVICES}


def upstreams(ports: Ports, service: str, replicas: int) -> str:
    """Comma-separated base URLs of a service's api replicas (the gateway balances across them)."""
    return ",".join(f"http://127.0.0.1:{ports.apis[service] + 100 * i}" for i in range(replicas))


def stack_env(
    ports: Ports, extra: dict[str, str] | None = None, api_replicas: int = 1
) -> dict[str, str]:
    """The environment every process shares.

    For `make run` (no `extra`), variables already set in os.environ win over the defaults; tests
    pass `extra` (their own databases, prefix, ports), which wins over everything.
    """
    env = {
        **database_urls(),
        "AUTH_URL": upstreams(ports, "auth", api_replicas),
        "CATALOG_URL": upstreams(ports, "catalog", api_replicas),
        "ORDER_URL": upstreams(ports, "order", api_replicas),
        "NOTIFICATION_URL": upstreams(ports, "notification", api_replicas),
        "SMTP_URL": f"smtp://127.0.0.1:{ports.mail_smtp}",
        "MAILCATCHER_URL": f"http://127.0.0.1:{ports.mail_http}",
        "PUBLIC_URL": f"http://127.0.0.1:{ports.frontend}",
        "GATEWAY_URL": f"http://127.0.0.1:{ports.gateway}",
        "PYTHONUNBUFFERED": "1",
        **(extra or {}),
    }
    return {**env, **os.environ} if extra is None else {**os.environ, **env}


def gunicorn(module: str, port: int) -> list[str]:
    return [
        PYTHON,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "-b",
        f"127.0.0.1:{port}",
        f"{module}.wsgi:app",
    ]


def process_specs(
    ports: Ports, env: dict[str, str], *, api_replicas: int = 1, worker_replicas: int = 1
) -> list[ProcessSpec]:
    """Every process of the system; replicas > 1 mimic `docker service scale` on one host."""
    specs: list[ProcessSpec] = [mail_catcher(ports, env)]
    for service in SERVICES:
        for i in range(api_replicas):
            port = ports.apis[service] + 100 * i
            specs.append(
                ProcessSpec(
                    f"{service}-api{i or ''}",
                    gunicorn(f"{service}_service", port),
                    env,
                    f"http://127.0.0.1:{port}/health/live",
                )
            )
        for i in range(worker_replicas):
            port = ports.workers[service] + 100 * i
            specs.append(
                ProcessSpec(
                    f"{service}-worker{i or ''}",
                    [PYTHON, "-m", f"{service}_service.worker"],
                    {**env, "WORKER_HEALTH_PORT": str(port)},
                    f"http://127.0.0.1:{port}/health/live",
                )
            )
    specs.append(
        ProcessSpec(
            "gateway",
            gunicorn("api_gateway", ports.gateway),
            env,
            f"http://127.0.0.1:{ports.gateway}/health/live",
        )
    )
    specs.append(
        ProcessSpec(
            "frontend",
            gunicorn("web_frontend", ports.frontend),
            env,
            f"http://127.0.0.1:{ports.frontend}/health/live",
        )
    )
    return specs


def mail_catcher(ports: Ports, env: dict[str, str]) -> ProcessSpec:
    """The local SMTP server the notification worker sends to (never deployed)."""
    return ProcessSpec(
        "mailcatcher",
        [PYTHON, "-m", "scripts.mailcatcher"],
        {
            **env,
            "MAILCATCHER_SMTP_PORT": str(ports.mail_smtp),
            "MAILCATCHER_HTTP_PORT": str(ports.mail_http),
        },
        f"http://127.0.0.1:{ports.mail_http}/health/live",
    )


def migrate_all(env: dict[str, str]) -> None:
    for service in SERVICES:
        subprocess.run([PYTHON, "-m", f"{service}_service.migrate"], env=env, cwd=ROOT, check=True)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


class ProcessGroup:
    """Started processes, each in its own process group so a stop reaches its children."""

    def __init__(self, specs: list[ProcessSpec], log_dir: Path | None = None) -> None:
        self.specs = specs
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, timeout: float = 60) -> None:
        for spec in self.specs:
            self.start_one(spec)
        self.wait_healthy(timeout)

    def start_one(self, spec: ProcessSpec) -> subprocess.Popen[bytes]:
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{spec.name}.log", "ab")  # noqa: SIM115 (lives with proc)
        proc = subprocess.Popen(
            spec.argv,
            env=spec.env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        self.procs[spec.name] = proc
        return proc

    def wait_healthy(self, timeout: float = 60, names: list[str] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = [s for s in self.specs if names is None or s.name in names]
        while pending:
            for spec in list(pending):
                if self.procs[spec.name].poll() is not None:
                    raise RuntimeError(
                        f"{spec.name} exited with {self.procs[spec.name].returncode}"
                    )
                if healthy(spec.health_url):
                    pending.remove(spec)
            if time.monotonic() > deadline:
                raise TimeoutError(f"not healthy: {[s.name for s in pending]}")
            time.sleep(0.2)

    def signal(self, name: str, sig: int) -> None:
        os.killpg(self.procs[name].pid, sig)

    def restart(self, name: str, timeout: float = 60) -> None:
        spec = next(s for s in self.specs if s.name == name)
        self.start_one(spec)
        self.wait_healthy(timeout, [name])

    def stop(self, timeout: float = 25) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
