"""The edge for real: Debian's nginx runs swarm/edge/default.conf.template (the very file the stack
mounts, rendered as the nginx image's envsubst would, with other ports and a self-signed
certificate from swarm/create-secrets.sh) in front of the whole system's gateway and frontend.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.ports import free_port
from tests.support.system import System, auth_header
from web_frontend import CSP as FRONTEND_CSP

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

pytestmark = pytest.mark.skipif(
    not os.access(NGINX, os.X_OK), reason="nginx is not installed (apt-get install -y nginx)"
)


@dataclass
class Edge:
    https: str  # https://localhost:<port>
    http: str
    status: str
    certificate: Path
    access_log: Path

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(
            f"{self.https}{path}", verify=str(self.certificate), timeout=15, **kwargs
        )


def render_template(values: dict[str, str]) -> str:
    """What the nginx image's 20-envsubst-on-templates.sh does with NGINX_ENVSUBST_FILTER=^EDGE_."""
    template = (ROOT / "swarm/edge/default.conf.template").read_text()
    rendered = re.sub(r"\$\{(EDGE_[A-Z_]+)\}", lambda m: values[m.group(1)], template)
    assert "${EDGE_" not in rendered
    return rendered


def main_config(prefix: Path) -> str:
    """The part the nginx image provides (its /etc/nginx/nginx.conf), with paths in `prefix`."""
    user = "user root root;" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
daemon off; worker_processes 1; pid {prefix}/nginx.pid; {user}
error_log {prefix}/error.log info;
events {{ worker_connections 512; }}
http {{
  include /etc/nginx/mime.types; default_type application/octet-stream;
  sendfile on; keepalive_timeout 65; {temp}
  include {prefix}/conf.d/*.conf;
}}
"""


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "nginx exited at start"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nginx is not listening on {port}")


@contextmanager
def run_edge(prefix: Path, frontend: str, gateway: str) -> Iterator[Edge]:
    """nginx on the rendered template in `prefix`, before `frontend` and `gateway` (host:port)."""
    secrets = prefix / "secrets"
    subprocess.run(
        [str(ROOT / "swarm/create-secrets.sh"), "--dir", str(secrets), "--files-only"],
        check=True,
        capture_output=True,
    )
    http, https, status = free_port(), free_port(), free_port()
    values = {
        "EDGE_SERVER_NAME": "_",
        "EDGE_HTTP_PORT": str(http),
        "EDGE_HTTPS_PORT": str(https),
        "EDGE_HTTPS_PORT_SUFFIX": f":{https}",
        "EDGE_STATUS_PORT": str(status),
        "EDGE_RESOLVER": "127.0.0.1",  # the upstreams are IP addresses: never asked
        "EDGE_FRONTEND": frontend,
        "EDGE_GATEWAY": gateway,
        "EDGE_TLS_CERT": str(secrets / "edge_tls_cert"),
        "EDGE_TLS_KEY": str(secrets / "edge_tls_key"),
        "EDGE_MAX_BODY": "6m",
        "EDGE_ACCESS_LOG": str(prefix / "access.log"),
        "EDGE_ACME_ROOT": str(prefix / "acme"),
    }
    (prefix / "conf.d").mkdir()
    (prefix / "conf.d/default.conf").write_text(render_template(values))
    (prefix / "nginx.conf").write_text(main_config(prefix))
    command = [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    command += ["-e", str(prefix / "error.log")]
    subprocess.run([*command, "-t"], check=True, capture_output=True)
    proc = subprocess.Popen(command, start_new_session=True)
    try:
        wait_for_port(https, proc)
        yield Edge(
            https=f"https://localhost:{https}",
            http=f"http://localhost:{http}",
            status=f"http://127.0.0.1:{status}",
            certificate=secrets / "edge_tls_cert",
            access_log=prefix / "access.log",
        )
    finally:
        proc.send_signal(signal.SIGQUIT)  # graceful shutdown
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def edge(system: System, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    frontend, gateway = urlsplit(system.frontend_url).netloc, urlsplit(system.gateway_url).netloc
    with run_edge(tmp_path_factory.mktemp("edge"), frontend, gateway) as running:
        yield running


def test_https_serves_the_frontend_with_the_certificate_it_was_given(edge: Edge) -> None:
    response = edge.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")


def test_plain_http_is_redirected_to_the_same_url_over_https(edge: Edge) -> None:
    response = requests.get(f"{edge.http}/books?q=dune&page=2", allow_redirects=False, timeout=10)
    assert response.status_code == 301
    assert response.headers["Location"] == f"{edge.https}/books?q=dune&page=2"


def test_api_paths_are_routed_to_the_gateway(edge: Edge) -> None:
    books = edge.get("/api/books")
    assert books.status_code == 200 and "items" in books.json()
    me = edge.get("/api/auth/me")
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "path", ["/metrics", "/health/ready", "/health/live", "/api/metrics", "//metrics", "/%6Detrics"]
)
def test_metrics_and_health_are_not_answered_to_the_internet(edge: Edge, path: str) -> None:
    """Issue 11: the frontend's /metrics and /health/ready were public through the edge."""
    answer = edge.get(path)
    assert answer.status_code == 404
    assert "http_requests_total" not in answer.text and "checks" not in answer.text


def test_a_seller_lists_a_book_over_https_through_the_edge(system: System, edge: Edge) -> None:
    _, token = system.register_and_login("Edge Seller")
    book = {"title": "Dune", "author": "Frank Herbert", "category": "fiction",
            "condition": "good", "price": "7.50", "stock": 1}  # fmt: skip
    created = requests.post(f"{edge.https}/api/books", json=book, headers=auth_header(token),
                            verify=str(edge.certificate), timeout=15)  # fmt: skip
    assert created.status_code == 201, created.text
    assert edge.get(f"/api/books/{created.json()['id']}").json()["price"] == "7.50"


@pytest.mark.parametrize("path", ["/", "/api/books", "/api/no-such-thing", "/no-such-page"])
def test_every_answer_carries_the_security_headers(edge: Edge, path: str) -> None:
    response = edge.get(path)
    for header, value in SECURITY_HEADERS.items():
        assert response.headers.get(header) == value, (path, header)
    assert response.headers.get("Content-Security-Policy")
    assert response.headers.get("X-Request-Id")
    assert "nginx/" not in response.headers.get("Server", "")


def test_the_frontend_keeps_its_own_content_security_policy(edge: Edge) -> None:
    page, api = edge.get("/"), edge.get("/api/books")
    assert page.headers["Content-Security-Policy"] == FRONTEND_CSP  # one policy, the page's own
    assert api.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_a_body_over_the_limit_is_refused_with_413_in_the_api_error_shape(edge: Edge) -> None:
    response = requests.post(f"{edge.https}/api/books", data=b"x" * (7 * 1024 * 1024),
                             headers={"Content-Type": "application/json"},
                             verify=str(edge.certificate), timeout=30)  # fmt: skip
    assert response.status_code == 413
    body = response.json()
    assert body["error"]["code"] == "payload_too_large"
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_body_under_the_limit_reaches_the_gateway(edge: Edge) -> None:
    response = requests.post(f"{edge.https}/api/auth/login", data=b"{" * (1024 * 1024),
                             headers={"Content-Type": "application/json"},
                             verify=str(edge.certificate), timeout=30)  # fmt: skip
    assert response.status_code in (400, 413, 422)  # the gateway's verdict, not the edge's
    assert "for the edge" not in response.json()["error"]["message"]


def test_text_answers_are_compressed_for_clients_that_accept_gzip(edge: Edge) -> None:
    response = edge.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == "gzip"
    raw = response.raw.read()
    assert json.loads(gzip.decompress(raw))["openapi"].startswith("3.")
    page = edge.get("/", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert page.headers.get("Content-Encoding") == "gzip"
    assert b"<" in zlib.decompress(page.raw.read(), 16 + zlib.MAX_WBITS)


def test_the_request_id_is_echoed_logged_by_the_edge_and_passed_to_the_gateway(
    edge: Edge,
) -> None:
    request_id = f"edge-test-{uuid.uuid4().hex}"
    response = edge.get("/api/auth/me", headers={"X-Request-Id": request_id})
    assert response.headers["X-Request-Id"] == request_id
    assert response.json()["request_id"] == request_id  # what the gateway saw
    entry = wait_for_line(edge.access_log, request_id)
    assert entry["status"] == 401 and entry["uri"] == "/api/auth/me"
    assert entry["tls"].startswith("TLS") and entry["upstream_status"] == "401"


def test_without_a_request_id_the_edge_makes_one_and_hands_it_on(edge: Edge) -> None:
    response = edge.get("/api/auth/me")
    request_id = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert response.json()["request_id"] == request_id
    assert wait_for_line(edge.access_log, request_id)["uri"] == "/api/auth/me"


def test_an_insane_request_id_is_replaced_by_the_edge(edge: Edge) -> None:
    response = edge.get("/api/books", headers={"X-Request-Id": "bad id with spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])


def test_the_container_health_endpoint_answers_on_loopback(edge: Edge) -> None:
    assert requests.get(f"{edge.status}/health", timeout=5).status_code == 200


def wait_for_line(log: Path, needle: str, timeout: float = 5) -> dict:
    """The JSON access-log entry that mentions `needle` (nginx writes it after the response)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines() if log.exists() else []:
            if needle in line:
                return json.loads(line)
        time.sleep(0.1)
    raise AssertionError(f"{needle} is not in {log}")
