"""A real gateway process (gunicorn) in front of a closed port and a tiny slow HTTP server:
503 for an upstream that is down, 504 for one that is slow, headers and keep-alive on the wire."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from scripts.stack import Ports, ProcessGroup, ProcessSpec, gunicorn, stack_env
from tests.support.ports import free_port
from tests.support.tokens import TokenMinter

pytestmark = pytest.mark.timeout(120)


SLOW_ANSWER_READY = threading.Event()  # set once a `?slow=` request has slept its time


class EchoHandler(BaseHTTPRequestHandler):
    """Answers with what it received; `?slow=<s>` first sleeps; /health/ready is 200."""

    protocol_version = "HTTP/1.1"  # keep-alive, so the gateway's pooling is observable

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if "slow=" in self.path:
            time.sleep(float(self.path.split("slow=")[1].split("&")[0]))
            SLOW_ANSWER_READY.set()
        payload = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers.items()),
                "peer_port": self.client_address[1],
                "body_length": len(body),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Keep-Alive", "timeout=30")
        self.send_header("X-Upstream", "echo")
        self.end_headers()
        try:
            self.wfile.write(payload)
        except BrokenPipeError:  # the gateway gave up on a slow answer: expected
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Rig:
    url: str
    minter: TokenMinter

    def token(self) -> str:
        return self.minter.token("u1", "A", email="a@x.io", jti="j-e2e", exp=int(time.time()) + 600)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    keys = tmp_path_factory.mktemp("gw_keys")
    minter = TokenMinter.create(keys)
    echo = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    closed, port = free_port(), free_port()  # nothing listens on `closed`
    env = stack_env(
        Ports(),
        {
            "AUTH_URL": f"http://127.0.0.1:{closed}",
            "CATALOG_URL": f"http://127.0.0.1:{echo.server_address[1]}",
            "ORDER_URL": f"http://127.0.0.1:{closed}",
            "JWT_PUBLIC_KEY_FILE": str(minter.public_file),
            "GATEWAY_UPSTREAM_TIMEOUT": "1",
            "GATEWAY_FOLLOW_REVOCATIONS": "false",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
        },
    )
    spec = ProcessSpec(
        "gateway-faults", gunicorn("api_gateway", port), env, f"http://127.0.0.1:{port}/health/live"
    )
    group = ProcessGroup([spec], log_dir=Path(str(keys)) / "logs")
    try:
        group.start(timeout=60)
        yield Rig(f"http://127.0.0.1:{port}", minter)
    finally:
        group.stop()
        echo.shutdown()


def test_an_upstream_that_is_down_answers_503_in_the_error_shape(rig: Rig) -> None:
    response = requests.post(
        f"{rig.url}/api/auth/login", json={"email": "a@b.io", "password": "x"}, timeout=10
    )
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "upstream_unavailable"
    assert response.json()["request_id"] == response.headers["X-Request-Id"]


def test_a_slow_upstream_answers_504_after_the_route_timeout(rig: Rig) -> None:
    """Ordering, not a stopwatch: the 504 arrives before the upstream's answer exists (it sleeps
    5 s), and not before the 1 s timeout (a lower bound: no machine is too fast for it)."""
    SLOW_ANSWER_READY.clear()
    started = time.monotonic()
    response = requests.get(f"{rig.url}/api/books?slow=5", timeout=10)
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "upstream_timeout"
    assert not SLOW_ANSWER_READY.is_set(), "the gateway waited for the slow answer"
    assert elapsed >= 0.95  # the route timeout (socket timers have millisecond granularity)


def test_what_reaches_the_upstream_is_sanitized(rig: Rig) -> None:
    response = requests.get(
        f"{rig.url}/api/books?q=dune",
        headers={
            "X-Request-Id": "e2e-request-0001",
            "X-User-Id": "admin",
            "X-Forwarded-For": "6.6.6.6",
            "Authorization": "Bearer forged",
        },
        timeout=10,
    )
    seen = response.json()["headers"]
    assert response.json()["path"] == "/api/books?q=dune"
    assert seen["X-Request-Id"] == "e2e-request-0001"
    assert response.headers["X-Request-Id"] == "e2e-request-0001"
    assert "X-User-Id" not in seen and "Authorization" not in seen
    assert seen["X-Forwarded-For"] == "127.0.0.1"
    assert "Keep-Alive" not in response.headers and response.headers["X-Upstream"] == "echo"


def test_a_valid_token_is_forwarded_on_a_protected_route(rig: Rig) -> None:
    token = rig.token()
    response = requests.post(
        f"{rig.url}/api/books",
        json={"title": "x"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["headers"]["Authorization"] == f"Bearer {token}"


def test_connections_to_an_upstream_are_kept_alive_and_reused(rig: Rig) -> None:
    ports = {
        requests.get(f"{rig.url}/api/categories", timeout=10).json()["peer_port"] for _ in range(10)
    }
    assert len(ports) <= 4  # at most one pooled connection per gateway thread, not ten


def test_a_body_over_the_limit_is_413_before_reaching_the_upstream(rig: Rig) -> None:
    response = requests.post(
        f"{rig.url}/api/books",
        data=b"{" * (1024 * 1024 + 10),
        headers={"Authorization": f"Bearer {rig.token()}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_unknown_routes_and_methods_are_json_errors_never_html(rig: Rig) -> None:
    for method, path, status in (
        ("GET", "/api/nope", 404),
        ("GET", "/nope", 404),
        ("PATCH", "/api/categories", 405),
        ("GET", "/internal/revocations", 404),
    ):
        response = requests.request(method, f"{rig.url}{path}", timeout=10)
        assert response.status_code == status, path
        assert response.json()["error"]["code"] in ("not_found", "method_not_allowed")


def test_readiness_reports_each_upstream(rig: Rig) -> None:
    response = requests.get(f"{rig.url}/health/ready", timeout=10)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["catalog"] == "ok" and checks["auth"] == checks["order"] == "down"
