"""The gateway's connections to one upstream URL (a Swarm VIP): an idempotent request that meets
a reset reused keep-alive connection is retried once on a new one, and pools are renewed so
replicas added behind the VIP get traffic. Real sockets against a small keep-alive server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api_gateway import clients
from api_gateway.clients import Upstream, UpstreamBroken


class KeepAliveServer(ThreadingHTTPServer):
    """Answers 200 with the client's port; hangs up without answering when `drop_reused` is set
    and a request is not the first on its connection (a replica that went away, say)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.drop_reused = False
        self.ports: list[int] = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: KeepAliveServer

    def setup(self) -> None:
        super().setup()
        self.served = 0

    def _answer(self) -> None:
        self.served += 1
        if self.server.drop_reused and self.served > 1:
            self.close_connection = True
            return  # no response: the client sees the connection closed under it
        self.server.ports.append(self.client_address[1])
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer  # noqa: N815 (http.server's naming)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[KeepAliveServer]:
    running = KeepAliveServer()
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield running
    running.shutdown()
    running.server_close()


def upstream(server: KeepAliveServer) -> Upstream:
    url = f"http://127.0.0.1:{server.server_address[1]}"
    return Upstream("catalog", (url,), pool_size=4, connect_timeout=2.0)


def send(target: Upstream, method: str = "GET") -> int:
    return target.send(method, "/api/books", headers={}, body=None, timeout=5.0).status_code


def test_an_idempotent_request_on_a_reset_reused_connection_is_retried_once(
    server: KeepAliveServer,
) -> None:
    target = upstream(server)
    assert send(target) == 200  # opens the keep-alive connection
    server.drop_reused = True
    assert send(target) == 200  # the reused one is dropped; a new connection answers
    assert len(set(server.ports)) == 2


def test_a_post_on_a_reset_reused_connection_is_not_repeated(server: KeepAliveServer) -> None:
    target = upstream(server)
    assert send(target) == 200
    server.drop_reused = True
    with pytest.raises(UpstreamBroken):
        send(target, "POST")  # it may have been applied: the client decides
    assert len(server.ports) == 1


def test_pooled_connections_are_renewed_after_their_lifetime(
    server: KeepAliveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = upstream(server)
    for _ in range(3):
        assert send(target) == 200
    assert len(set(server.ports)) == 1  # within the lifetime: one reused connection
    monkeypatch.setattr(clients, "POOL_LIFETIME_SECONDS", 0.0)
    for _ in range(3):
        assert send(target) == 200
    assert len(set(server.ports)) == 4  # a new pool, hence a new connection, each time
