"""A TCP forwarder a test can shut: the connections through it drop, new ones are refused.

A fault injected here is confirmed by the gate itself (`open_connections`, `refused`), whatever
broker or server lies behind it (a local one or a testcontainer).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.ports import free_port


class TcpGate:
    """127.0.0.1:<port> forwards to `target` while open; `shut()` cuts and refuses."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self.is_open = threading.Event()
        self.is_open.set()
        self.refused = 0  # connections turned away while shut
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, name="tcp-gate", daemon=True).start()

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    def shut(self) -> None:
        """Drop every forwarded connection and refuse new ones until `reopen()`."""
        self.is_open.clear()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            _close(*pair)

    def reopen(self) -> None:
        self.is_open.set()

    def close(self) -> None:
        self.shut()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            if not self.is_open.is_set():
                self.refused += 1
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._pairs.append((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass  # the other side closed, or the gate was shut
        with self._lock:
            self._pairs = [p for p in self._pairs if source not in p]
        _close(source, sink)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


@contextmanager
def tcp_gate(host: str, port: int) -> Iterator[TcpGate]:
    gate = TcpGate((host, port))
    try:
        yield gate
    finally:
        gate.close()
