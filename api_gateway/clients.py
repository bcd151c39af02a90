"""Outbound HTTP to the upstream services: pooled keep-alive connections per api replica.

urllib3 directly rather than requests: the gateway forwards bytes and headers as they are, and
requests' layers on top (sessions, cookies, hooks, adapters, header merging) cost more CPU per
forwarded request than the rest of the gateway's work on a cheap read.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


# ConnectionError subclasses: outages to the reconnect loops of shared.events.connection.
class UpstreamDown(ConnectionError):
    """No replica of the upstream accepted a connection (503)."""


class UpstreamTimeout(ConnectionError):
    """The upstream accepted the request but did not answer in time (504)."""


class UpstreamBroken(ConnectionError):
    """The upstream answered with something that is not HTTP, or hung up mid-answer (502)."""


@dataclass(frozen=True)
class Answer:
    """An upstream's whole answer: status, headers (repeated ones kept apart), body."""

    status_code: int
    headers: urllib3.HTTPHeaderDict
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


# Keep-alive connections through a Swarm VIP stay on the task they first reached: a pool is
# renewed this often so replicas added by `docker service scale` get their share. The old pool's
# idle connections close when its last in-flight request lets go of it (urllib3 finalizer).
POOL_LIFETIME_SECONDS = 60.0


class _Replica:
    """One api replica: its connection pool and the path its base URL may carry."""

    def __init__(self, base_url: str, pool_size: int) -> None:
        self.base_url, self.pool_size = base_url, pool_size
        self.prefix = urlsplit(base_url).path.rstrip("/")
        self.pool, self._born = self._new_pool(), time.monotonic()

    def _new_pool(self) -> urllib3.HTTPConnectionPool:
        return urllib3.connection_from_url(
            self.base_url, maxsize=self.pool_size, block=False, retries=False
        )

    def current_pool(self) -> urllib3.HTTPConnectionPool:
        """The pool, renewed once it is POOL_LIFETIME_SECONDS old (never closed under a user)."""
        if time.monotonic() - self._born >= POOL_LIFETIME_SECONDS:
            self.pool, self._born = self._new_pool(), time.monotonic()
        return self.pool


class Upstream:
    """The api replicas of one service, round-robin, over pooled keep-alive connections."""

    def __init__(
        self, name: str, base_urls: tuple[str, ...], *, pool_size: int, connect_timeout: float
    ) -> None:
        if not base_urls:
            raise ValueError(f"upstream {name} has no URL")
        self.name, self.base_urls, self.connect_timeout = name, base_urls, connect_timeout
        self.replicas = [_Replica(base, pool_size) for base in base_urls]
        self._next = itertools.count()
        self._lock = threading.Lock()

    def _rotation(self) -> list[_Replica]:
        """Each replica once; a lone URL (a Swarm VIP) twice, so an idempotent request that met
        a reset reused connection is retried once on a fresh one."""
        with self._lock:
            start = next(self._next) % len(self.replicas)
        rotation = [*self.replicas[start:], *self.replicas[:start]]
        return rotation * 2 if len(rotation) == 1 else rotation

    def send(
        self,
        method: str,
        path_and_query: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> Answer:
        """Send to one replica; on a refused connection try the next. Raises Upstream*."""
        failure: Exception | None = None
        for replica in self._rotation():
            try:
                return self._send_to(replica, method, path_and_query, headers, body, timeout)
            except ReadTimeoutError as exc:
                raise UpstreamTimeout(f"{self.name} did not answer within {timeout}s") from exc
            except (ConnectTimeoutError, NewConnectionError, ProtocolError) as exc:
                if not (_never_sent(exc) or method in IDEMPOTENT):
                    raise UpstreamBroken(f"{self.name} dropped the connection") from exc
                failure = exc
            except HTTPError as exc:
                raise UpstreamBroken(f"{self.name} answered badly: {exc}") from exc
        raise UpstreamDown(f"no replica of {self.name} is reachable") from failure

    def _send_to(
        self,
        replica: _Replica,
        method: str,
        path_and_query: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> Answer:
        answer = replica.current_pool().urlopen(
            method,
            replica.prefix + path_and_query,
            body=body,
            headers=dict(headers),
            redirect=False,
            retries=False,
            assert_same_host=False,
            timeout=urllib3.Timeout(connect=self.connect_timeout, read=timeout),
        )
        return Answer(answer.status, answer.headers, answer.data)

    def healthy(self, timeout: float = 1.0) -> bool:
        """True if some replica answers its /health/ready with 200."""
        for replica in self.replicas:
            try:
                answer = self._send_to(replica, "GET", "/health/ready", {}, None, timeout)
            except (HTTPError, OSError):
                continue
            if answer.status_code == 200:
                return True
        return False


def _never_sent(exc: HTTPError) -> bool:
    """True when the request surely never reached the upstream (safe to retry any method)."""
    return isinstance(exc, ConnectTimeoutError | NewConnectionError)


def build_upstreams(
    urls: Mapping[str, tuple[str, ...]], *, pool_size: int, connect_timeout: float
) -> dict[str, Upstream]:
    return {
        name: Upstream(name, bases, pool_size=pool_size, connect_timeout=connect_timeout)
        for name, bases in urls.items()
    }
