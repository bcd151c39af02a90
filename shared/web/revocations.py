"""The in-memory denylist of revoked tokens, fed from this process's own broadcast queue.

Each gateway process binds an exclusive, auto-delete queue to `auth.token_revoked`, THEN fills
the denylist from auth_service's list of unexpired revocations, THEN consumes: a revocation made
while the list was being fetched waits in the queue, so a new (or reconnected) process is never
behind. No per-request call to auth_service.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

from shared.events.connection import connect, run_with_reconnect
from shared.events.envelope import EnvelopeError, parse_envelope
from shared.events.retry import Backoff
from shared.events.topology import Topology, declare_broadcast_queue

log = logging.getLogger(__name__)
GRACE_SECONDS = 60
PURGE_EVERY_SECONDS = 30  # verifiers allow clock leeway past exp: keep entries a little longer
Fetch = Callable[[], Iterable[tuple[str, int]]]


class Denylist:
    """jti -> exp of revoked tokens; thread-safe; `synced` once the initial list is loaded."""

    def __init__(self) -> None:
        self._items: dict[str, int] = {}
        self._lock = threading.Lock()
        self.synced = threading.Event()

    def add(self, jti: str, exp: int) -> None:
        with self._lock:
            self._items[jti] = exp

    def add_all(self, items: Iterable[tuple[str, int]]) -> None:
        with self._lock:
            self._items.update(items)

    def __contains__(self, jti: object) -> bool:
        return jti in self._items  # a dict lookup is atomic under the GIL

    def __len__(self) -> int:
        return len(self._items)

    def purge(self, now: float | None = None) -> int:
        """Drop entries whose token expired (plus grace): they are refused as expired anyway."""
        cutoff = (time.time() if now is None else now) - GRACE_SECONDS
        with self._lock:
            stale = [jti for jti, exp in self._items.items() if exp < cutoff]
            for jti in stale:
                del self._items[jti]
        return len(stale)


class RevocationFollower:
    """A daemon thread: broadcast queue -> denylist, with reconnects and a re-sync each time."""

    def __init__(
        self, *, denylist: Denylist, fetch: Fetch, rabbitmq_url: str, topology: Topology
    ) -> None:
        self.denylist, self.fetch, self.url, self.topology = denylist, fetch, rabbitmq_url, topology
        self.stop = threading.Event()
        self.connected = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self.run, name="revocation-follower", daemon=True)
        self.thread.start()

    def run(self) -> None:
        """Follow revocations until stopped; any failure (a bug included) restarts the session."""
        run_with_reconnect(
            self._session,
            stop=self.stop,
            what="revocation follower",
            backoff=Backoff(base=0.2, cap=5.0),
            on_down=self.connected.clear,
        )

    def _session(self) -> None:
        connection = connect(self.url, name=f"api_gateway-{os.getpid()}-revocations")
        try:
            channel = connection.channel()
            queue = declare_broadcast_queue(channel, self.topology, ["auth.token_revoked"])
            self.denylist.add_all(self.fetch())  # after binding: nothing falls in between
            self.denylist.synced.set()
            self.connected.set()
            channel.basic_consume(queue, self._on_message, auto_ack=True)
            log.info("revocation follower synced (%d revoked tokens)", len(self.denylist))
            purged_at = time.monotonic()
            while not self.stop.is_set():
                connection.process_data_events(time_limit=1)
                if time.monotonic() - purged_at > PURGE_EVERY_SECONDS:
                    self.denylist.purge()
                    purged_at = time.monotonic()
        finally:
            self.connected.clear()
            if connection.is_open:
                connection.close()

    def _on_message(self, channel: object, method: object, properties: object, body: bytes) -> None:
        try:
            data = parse_envelope(body).data
            self.denylist.add(str(data["jti"]), int(data["exp"]))
        except (EnvelopeError, KeyError, TypeError, ValueError) as exc:
            log.warning("ignored a malformed auth.token_revoked: %s", exc)


class FollowerGuard:
    """Starts the follower lazily, once per process (gunicorn forks after import)."""

    def __init__(self, make: Callable[[], RevocationFollower]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._pid: int | None = None
        self.follower: RevocationFollower | None = None

    def ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self.follower = self._make()
                self.follower.start()
                self._pid = os.getpid()
