"""Outbound HTTP to the upstream services: one pooled keep-alive session per upstream."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


# ConnectionError subclasses: outages to the reconnect loops of shared.events.connection.
class UpstreamDown(ConnectionError):
    """No replica of the upstream accepted a connection (503)."""


class UpstreamTimeout(ConnectionError):
    """The upstream accepted the request but did not answer in time (504)."""


class UpstreamBroken(ConnectionError):
    """The upstream answered with something that is not HTTP, or hung up mid-answer (502)."""


class Upstream:
    """The api replicas of one service, round-robin, over pooled keep-alive connections."""

    def __init__(
        self, name: str, base_urls: tuple[str, ...], *, pool_size: int, connect_timeout: float
    ) -> None:
        if not base_urls:
            raise ValueError(f"upstream {name} has no URL")
        self.name, self.base_urls, self.connect_timeout = name, base_urls, connect_timeout
        self.session = requests.Session()
        self.session.trust_env = False  # never route service traffic through an HTTP proxy
        adapter = HTTPAdapter(
            pool_connections=len(base_urls), pool_maxsize=pool_size, max_retries=0
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._next = itertools.count()
        self._lock = threading.Lock()

    def _rotation(self) -> list[str]:
        with self._lock:
            start = next(self._next) % len(self.base_urls)
        return [*self.base_urls[start:], *self.base_urls[:start]]

    def send(
        self,
        method: str,
        path_and_query: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float,
    ) -> requests.Response:
        """Send to one replica; on a refused connection try the next. Raises Upstream*."""
        failure: Exception | None = None
        for base in self._rotation():
            try:
                return self.session.request(
                    method,
                    base + path_and_query,
                    headers=dict(headers),
                    data=body,
                    timeout=(self.connect_timeout, timeout),
                    allow_redirects=False,
                )
            except requests.exceptions.ReadTimeout as exc:
                raise UpstreamTimeout(f"{self.name} did not answer within {timeout}s") from exc
            except requests.exceptions.ConnectionError as exc:
                if not (_never_sent(exc) or method in IDEMPOTENT):
                    raise UpstreamBroken(f"{self.name} dropped the connection") from exc
                failure = exc
            except requests.exceptions.RequestException as exc:
                raise UpstreamBroken(f"{self.name} answered badly: {exc}") from exc
        raise UpstreamDown(f"no replica of {self.name} is reachable") from failure

    def healthy(self, timeout: float = 1.0) -> bool:
        """True if some replica answers its /health/ready with 200."""
        for base in self.base_urls:
            try:
                if self.session.get(base + "/health/ready", timeout=timeout).status_code == 200:
                    return True
            except requests.exceptions.RequestException:
                continue
        return False


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the request surely never reached the upstream (safe to retry any method)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def build_upstreams(
    urls: Mapping[str, tuple[str, ...]], *, pool_size: int, connect_timeout: float
) -> dict[str, Upstream]:
    return {
        name: Upstream(name, bases, pool_size=pool_size, connect_timeout=connect_timeout)
        for name, bases in urls.items()
    }
