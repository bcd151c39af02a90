"""A service's worker process: outbox relay + consumer(s) + timers, health on a small HTTP port.

A service may split what it consumes into lanes: each lane is a work queue of its own
(`{service}.{lane}.events`, with its retry and dead-letter queues), shared by every replica and
consumed on a thread of its own. Events that must not wait behind each other's bursts go to
different lanes (order_service: the saga's replies never queue behind a catalogue import's
`book.*`), and the broker's round robin then spreads each lane's messages over the replicas
(one queue of alternating types would hand every reply to the same replica).
"""

from __future__ import annotations

import functools
import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client.registry import Collector
from sqlalchemy import Engine, Table, text
from sqlalchemy.orm import Session

from shared.events import nudge
from shared.events.config import worker_health_host
from shared.events.consumer import Consumer, Handler
from shared.events.metrics import OutboxCollector, QueueDepthCollector
from shared.events.outbox import OutboxRelay
from shared.events.retry import RetryPolicy
from shared.events.topology import Topology
from shared.metrics import CONTENT_TYPE_LATEST, ReadyCollector, scrape

log = logging.getLogger(__name__)

Timer = Callable[[threading.Event], None]  # runs until the event is set
# Below Swarm's stop_grace_period (30 s), so SIGKILL never cuts a publish in the middle.
SHUTDOWN_SECONDS = 20.0


@dataclass
class WorkerSpec:
    service: str
    engine: Engine
    session_factory: Callable[[], Session]
    outbox: Table
    inbox: Table
    rabbitmq_url: str
    topology: Topology
    handlers: Mapping[str, Sequence[Handler]]
    health_port: int
    # lane -> its dispatch table, each consumed from a queue of its own (see the docstring).
    lanes: Mapping[str, Mapping[str, Sequence[Handler]]] = field(default_factory=dict)
    timers: Sequence[Timer] = field(default_factory=list)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    prefetch: int = 50
    # Loopback locally; in containers 0.0.0.0, i.e. the task's own (internal) networks, where
    # Prometheus scrapes it and Swarm's health check reaches it.
    health_host: str = field(default_factory=worker_health_host)


class Worker:
    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.stop = threading.Event()
        self.failed = threading.Event()
        # The consumer's commits wake this process's relay directly; when the relay holding
        # the lock runs in another replica, they reach it through the broker.
        nudge.configure(spec.rabbitmq_url, name=f"{spec.service}-worker")
        self.relay = OutboxRelay(
            engine=spec.engine,
            outbox=spec.outbox,
            rabbitmq_url=spec.rabbitmq_url,
            topology=spec.topology,
            stop=self.stop,
            name=f"{spec.service}-relay",
        )
        moved = [key for table in spec.lanes.values() for key in table]
        # The main queue is bound to its own types only and unbound from the lanes' (a broker
        # from before a lane existed still routes them there); it keeps their handlers for what
        # already waits in it or is replayed from its dead letters.
        main = {key: spec.lanes[lane][key] for lane in spec.lanes for key in spec.lanes[lane]}
        queues = {
            spec.service: ({**main, **spec.handlers}, list(spec.handlers), moved),
            **{
                lane_queue(spec.service, lane): (table, list(table), [])
                for lane, table in spec.lanes.items()
            },
        }
        self.consumers = [
            Consumer(
                service=spec.service,
                queue_name=name,
                session_factory=spec.session_factory,
                inbox=spec.inbox,
                handlers=handlers,
                binds=binds,
                unbinds=unbinds,
                rabbitmq_url=spec.rabbitmq_url,
                topology=spec.topology,
                stop=self.stop,
                policy=spec.policy,
                prefetch=spec.prefetch,
            )
            for name, (handlers, binds, unbinds) in queues.items()
            if binds
        ]

    def ready(self) -> bool:
        """Broker reached by every loop and the database answering."""
        if not self.relay.connected.is_set():
            return False
        if not all(consumer.connected.is_set() for consumer in self.consumers):
            return False
        try:
            with self.spec.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def run(self) -> None:
        """Run until SIGTERM or SIGINT, then let every loop finish what it holds."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stop.set())
        server = serve_health(
            self.spec.health_host, self.spec.health_port, self.ready, self.collectors()
        )
        loops: list[Callable[[], None]] = [self.relay.run]
        loops += [consumer.run for consumer in self.consumers[1:]]
        loops += [functools.partial(timer, self.stop) for timer in self.spec.timers]
        threads = [threading.Thread(target=self._supervised, args=(loop,)) for loop in loops]
        for thread in threads:
            thread.start()
        log.info("%s worker started (health on :%d)", self.spec.service, self.spec.health_port)
        try:
            if self.consumers:
                self.consumers[0].run()  # the main thread: signals interrupt its waits promptly
            else:
                self.stop.wait()
        finally:
            self.stop.set()
            deadline = time.monotonic() + SHUTDOWN_SECONDS
            for thread in threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
            server.shutdown()
        log.info("%s worker stopped", self.spec.service)
        if self.failed.is_set():
            raise SystemExit(1)  # a loop died: exit non-zero so the orchestrator restarts us

    def collectors(self) -> list[Collector]:
        """What a scrape reads live: readiness, the outbox, and the queues this worker consumes."""
        spec = self.spec
        found: list[Collector] = [
            ReadyCollector(f"{spec.service}_worker", self.ready),
            OutboxCollector(spec.service, spec.engine, spec.outbox),
        ]
        if self.consumers:
            names = [consumer.name for consumer in self.consumers]
            found.append(QueueDepthCollector(spec.service, spec.rabbitmq_url, spec.topology, names))
        return found

    def _supervised(self, loop: Callable[[], None]) -> None:
        """A loop that ends by surprise takes the whole worker down, never silently."""
        try:
            loop()
        except BaseException:
            log.exception("a worker loop died; stopping the worker")
            self.failed.set()
            self.stop.set()


def lane_queue(service: str, lane: str) -> str:
    """The name a lane's queues are made from: `order` + `books` -> `order.books(.events)`."""
    return f"{service}.{lane}"


def serve_health(
    host: str, port: int, ready: Callable[[], bool], collectors: Sequence[Collector] = ()
) -> ThreadingHTTPServer:
    """`/health/live`, `/health/ready` and `/metrics` on a background thread."""

    class HealthHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path == "/metrics":
                self._send(200, scrape(collectors), CONTENT_TYPE_LATEST)
            elif self.path == "/health/live":
                self._send(200, b'{"status": "ok"}')
            elif self.path == "/health/ready":
                ok = ready()
                self._send(
                    200 if ok else 503, b'{"status": "ready"}' if ok else b'{"status": "not_ready"}'
                )
            else:
                self._send(404, b'{"error": {"code": "not_found", "message": "no such path"}}')

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), HealthHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
