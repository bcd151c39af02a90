"""Revoked access tokens, refused by every process that verifies tokens: the gateway and the
catalogue and order apis alike (a caller inside the network reaching a service directly too).

Each such process binds an exclusive, auto-delete queue to `auth.token_revoked`, THEN fills an
in-memory denylist from auth_service's list of unexpired revocations, THEN consumes: a revocation
made while the list was being fetched waits in the queue, so a new (or reconnected) process is
never behind, and no request calls auth_service while the feed is live. While it is not (broker
down, reconnecting, still starting), the list could be stale, so each token is checked with
auth_service itself; if auth cannot answer either, a protected request is a 503, never served on
a stale list. Fetching the list and asking about one token are the only calls a service makes to
another: revocation state is auth's, and a process that starts later cannot learn the earlier
revocations from the broker.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

import requests

from shared.events.catalogue import TokenRevoked
from shared.events.connection import connect, run_with_reconnect
from shared.events.envelope import EnvelopeError, parse_event
from shared.events.retry import Backoff
from shared.events.topology import Topology, declare_broadcast_queue

log = logging.getLogger(__name__)
SUBSCRIBES = [TokenRevoked.TYPE]  # bound by every verifying process (docs/events.md lists it)
GRACE_SECONDS = 60
PURGE_EVERY_SECONDS = 30  # verifiers allow clock leeway past exp: keep entries a little longer
Fetch = Callable[[], Iterable[tuple[str, int]]]
Ask = Callable[[str], bool]  # auth_service's answer for one jti; raises when it cannot answer


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
        self,
        *,
        denylist: Denylist,
        fetch: Fetch,
        rabbitmq_url: str,
        topology: Topology,
        client_name: str = "api_gateway",
    ) -> None:
        self.denylist, self.fetch, self.url, self.topology = denylist, fetch, rabbitmq_url, topology
        self.client_name = client_name
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
        connection = connect(self.url, name=f"{self.client_name}-{os.getpid()}-revocations")
        try:
            channel = connection.channel()
            queue = declare_broadcast_queue(channel, self.topology, SUBSCRIBES)
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
            revoked = parse_event(body).data
            if not isinstance(revoked, TokenRevoked):
                raise EnvelopeError("not an auth.token_revoked")
            self.denylist.add(revoked.jti, revoked.exp)
        except EnvelopeError as exc:
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


class RevocationsUnavailable(Exception):
    """Neither the live denylist nor auth_service can say whether a token is revoked."""


class Revocations:
    """Is this token revoked? The live denylist's answer, else auth_service's (see the module)."""

    def __init__(
        self,
        *,
        fetch: Fetch,
        ask: Ask,
        rabbitmq_url: str,
        topology: Topology,
        client_name: str,
        follow: bool = True,
    ) -> None:
        self.denylist = Denylist()
        self.ask = ask
        self.guard: FollowerGuard | None = None
        if follow:
            self.guard = FollowerGuard(
                lambda: RevocationFollower(
                    denylist=self.denylist,
                    fetch=fetch,
                    rabbitmq_url=rabbitmq_url,
                    topology=topology,
                    client_name=client_name,
                )
            )
        else:  # switched off (unit tests, tools): nothing to wait for, nothing to ask
            self.denylist.synced.set()

    def start(self) -> None:
        """Start following in this process (call per request: gunicorn forks after import)."""
        if self.guard is not None:
            self.guard.ensure_started()

    @property
    def live(self) -> bool:
        """True while the denylist is synced and its feed connected (what readiness reports)."""
        if self.guard is None:
            return True
        follower = self.guard.follower
        return (
            follower is not None and follower.connected.is_set() and self.denylist.synced.is_set()
        )

    def is_revoked(self, jti: str) -> bool:
        if self.live:
            return jti in self.denylist
        try:
            return self.ask(jti)
        except Exception as exc:  # auth down, timing out or answering nonsense: all the same here
            raise RevocationsUnavailable(str(exc)) from None


def from_auth_urls(
    auth_urls: str, *, rabbitmq_url: str, event_prefix: str, client_name: str, follow: bool = True
) -> Revocations:
    """Revocations for a service api: auth_service's replicas (comma-separated base URLs)
    answer the list and single questions over plain HTTP (the gateway uses its own pools)."""
    bases = [url.strip().rstrip("/") for url in auth_urls.split(",") if url.strip()]
    http = requests.Session()

    def get(path: str, timeout: float) -> Any:
        failure: Exception = ConnectionError("no AUTH_URL configured")
        for base in bases:  # the first replica that answers
            try:
                answer = http.get(base + path, timeout=timeout)
                answer.raise_for_status()
                return answer.json()
            except (requests.RequestException, ValueError) as exc:
                failure = exc
        raise ConnectionError(f"auth_service did not answer {path}: {failure}")

    def fetch() -> list[tuple[str, int]]:
        return [
            (str(item["jti"]), int(item["exp"]))
            for item in get("/internal/revocations", 5)["items"]
        ]

    def ask(jti: str) -> bool:
        return bool(get(f"/internal/revocations/{quote(jti, safe='')}", 1)["revoked"])

    return Revocations(
        fetch=fetch,
        ask=ask,
        rabbitmq_url=rabbitmq_url,
        topology=Topology(event_prefix),
        client_name=client_name,
        follow=follow,
    )
