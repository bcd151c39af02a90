"""The edge's routing with Debian's nginx on the real template (swarm/edge/default.conf.template):
names resolved per request through a resolver (a tiny DNS server here, Docker's in Swarm), and
operations endpoints refused. Two small HTTP servers on 127.0.0.2 and 127.0.0.3 stand in for a
service before and after it is recreated with a new address."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.skipif(
    not os.access(NGINX, os.X_OK),
    reason="NOT CHECKED: the edge's nginx template (nginx is not installed: apt-get install nginx)",
)


class FakeDns(threading.Thread):
    """Answers A queries from `records` (name -> IPv4), NXDOMAIN for anything else."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.records: dict[str, str] = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def run(self) -> None:
        while True:
            try:
                query, client = self.sock.recvfrom(512)
            except OSError:
                return
            self.sock.sendto(self.answer(query), client)

    def answer(self, query: bytes) -> bytes:
        labels, i = [], 12
        while query[i]:
            labels.append(query[i + 1 : i + 1 + query[i]].decode())
            i += query[i] + 1
        question = query[12 : i + 5]
        address = self.records.get(".".join(labels).lower())
        if address is None:
            return query[:2] + struct.pack(">HHHHH", 0x8183, 1, 0, 0, 0) + question
        record = struct.pack(">HHHIH", 0xC00C, 1, 1, 1, 4) + socket.inet_aton(address)
        return query[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0) + question + record


@dataclass
class Upstream:
    """An HTTP server that answers every GET with its own name and remembers the paths."""

    name: str
    host: str
    port: int
    paths: list[str] = field(default_factory=list)

    def start(self) -> ThreadingHTTPServer:
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                upstream.paths.append(self.path)
                body = json.dumps({"upstream": upstream.name, "path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer((self.host, self.port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


@dataclass
class Edge:
    url: str
    certificate: Path

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}{path}", verify=str(self.certificate), timeout=10)


def render_template(values: dict[str, str]) -> str:
    """What the nginx image's envsubst does with NGINX_ENVSUBST_FILTER=^EDGE_."""
    template = (ROOT / "swarm/edge/default.conf.template").read_text()
    return re.sub(r"\$\{(EDGE_[A-Z_]+)\}", lambda m: values[m.group(1)], template)


@pytest.fixture(scope="module")
def dns() -> Iterator[FakeDns]:
    server = FakeDns()
    server.start()
    yield server
    server.sock.close()


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory, dns: FakeDns, port: int) -> Iterator[Edge]:
    prefix = tmp_path_factory.mktemp("edge")
    secrets = prefix / "secrets"
    subprocess.run(
        [str(ROOT / "swarm/create-secrets.sh"), "--dir", str(secrets), "--files-only"],
        check=True,
        capture_output=True,
    )
    https = free_port()
    (prefix / "conf.d").mkdir()
    values = {
        "EDGE_SERVER_NAME": "_",
        "EDGE_HTTP_PORT": str(free_port()),
        "EDGE_HTTPS_PORT": str(https),
        "EDGE_HTTPS_PORT_SUFFIX": f":{https}",
        "EDGE_STATUS_PORT": str(free_port()),
        "EDGE_RESOLVER": f"127.0.0.1:{dns.port}",
        "EDGE_FRONTEND": f"frontend.test:{port}",
        "EDGE_GATEWAY": f"gateway.test:{port}",
        "EDGE_TLS_CERT": str(secrets / "edge_tls_cert"),
        "EDGE_TLS_KEY": str(secrets / "edge_tls_key"),
        "EDGE_MAX_BODY": "6m",
        "EDGE_ACCESS_LOG": str(prefix / "access.log"),
        "EDGE_ACME_ROOT": str(prefix / "acme"),
    }
    (prefix / "conf.d/default.conf").write_text(render_template(values))
    user = "user root root;" if os.geteuid() == 0 else ""
    temp = " ".join(f"{k}_temp_path {prefix / k};" for k in ("client_body", "proxy", "fastcgi"))
    (prefix / "nginx.conf").write_text(
        f"daemon off; worker_processes 1; pid {prefix}/nginx.pid; {user}\n"
        f"error_log {prefix}/error.log info; events {{ worker_connections 64; }}\n"
        f"http {{ include /etc/nginx/mime.types; {temp} include {prefix}/conf.d/*.conf; }}\n"
    )
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")])
    try:
        edge = Edge(f"https://localhost:{https}", secrets / "edge_tls_cert")
        until(lambda: _answers(edge), "nginx never listened")
        yield edge
    finally:
        proc.terminate()
        proc.wait(15)


def _answers(edge: Edge) -> bool:
    try:
        edge.get("/")
    except requests.ConnectionError:
        return False
    return True


def until(condition: object, message: str, limit: float = 40) -> None:
    """Poll `condition` (a callable) until true; the bound only stops a broken run."""
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, message
        time.sleep(0.3)


def test_the_edge_starts_before_its_upstreams_resolve_and_follows_their_new_address(
    edge: Edge, dns: FakeDns, port: int
) -> None:
    first = Upstream("first", "127.0.0.2", port)
    second = Upstream("recreated", "127.0.0.3", port)
    servers = [first.start(), second.start()]
    try:
        answer = edge.get("/api/books")  # names unknown yet: the edge runs and says so
        assert answer.status_code == 502
        assert answer.json()["error"]["code"] == "upstream_unavailable"
        assert edge.get("/").status_code == 502

        dns.records.update({"frontend.test": "127.0.0.2", "gateway.test": "127.0.0.2"})
        until(lambda: edge.get("/api/books").status_code == 200, "never resolved the gateway")
        assert edge.get("/api/books").json() == {"upstream": "first", "path": "/api/books"}

        dns.records.update({"frontend.test": "127.0.0.3", "gateway.test": "127.0.0.3"})
        until(
            lambda: edge.get("/books/1").json()["upstream"] == "recreated",
            "kept the old address of the recreated service",
        )
        assert edge.get("/api/books?page=2").json()["path"] == "/api/books?page=2"
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/metrics/",
        "/health/live",
        "/health/ready",
        "/api/metrics",
        "/api/health/ready",
        "//metrics",
        "/%6Detrics",
        "/./health/live",
    ],
)
def test_the_edge_refuses_metrics_and_health_endpoints(
    edge: Edge, dns: FakeDns, port: int, path: str
) -> None:
    upstream = Upstream("any", "127.0.0.4", port)
    dns.records.update({"frontend.test": "127.0.0.4", "gateway.test": "127.0.0.4"})
    server = upstream.start()
    try:
        answer = edge.get(path)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"
        assert upstream.paths == []
    finally:
        server.shutdown()
        server.server_close()
