"""Broker connections and the reconnect loop every long-running event component uses."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

import pika
import pika.exceptions
import sqlalchemy.exc

from shared.events.retry import Backoff

log = logging.getLogger(__name__)

# What a broker or database outage looks like from here: reconnect, never crash.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    pika.exceptions.AMQPError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    ConnectionError,
    OSError,
)


def broker_parameters(url: str, *, name: str) -> list[pika.URLParameters]:
    """One URL, or a comma-separated list (the nodes of a cluster), as pika parameters.

    The nodes are tried in a random order, so processes spread over a cluster's nodes and a dead
    node costs one failed attempt, not a stalled start.
    """
    candidates = [pika.URLParameters(part.strip()) for part in url.split(",") if part.strip()]
    if not candidates:
        raise ValueError("RABBITMQ_URL names no broker")
    for params in candidates:
        params.heartbeat = 30
        params.blocked_connection_timeout = 30
        params.connection_attempts = 1
        params.socket_timeout = 5
        params.client_properties = {"connection_name": name}
    random.shuffle(candidates)
    return candidates


def connect(url: str, *, name: str) -> pika.BlockingConnection:
    """A blocking connection with heartbeats to the first live node of `url` (one or a list),
    named so operators can tell processes apart."""
    return pika.BlockingConnection(broker_parameters(url, name=name))


def run_with_reconnect(
    session: Callable[[], None],
    *,
    stop: threading.Event,
    what: str,
    backoff: Backoff = Backoff(base=0.5, cap=15.0),
    on_down: Callable[[], None] = lambda: None,
) -> None:
    """Run `session` until `stop` is set, restarting it with growing backoff after it fails.

    An outage (broker or database away) is expected and logged briefly; anything else is a bug
    or a surprise, logged with its traceback, and the loop still restarts rather than letting
    the component die silently while the process looks alive.
    """
    failures = 0
    while not stop.is_set():
        try:
            session()
            failures = 0
        except Exception as exc:
            failures += 1
            on_down()
            delay = backoff.delay(failures)
            if isinstance(exc, OUTAGE_ERRORS):
                log.warning(
                    "%s lost its connection (%s: %s); retrying in %.1fs",
                    what,
                    type(exc).__name__,
                    exc,
                    delay,
                )
            else:
                log.exception("%s failed unexpectedly; restarting in %.1fs", what, delay)
            stop.wait(delay)


def broker_reachable(url: str) -> bool:
    """Readiness probe: can a connection be opened right now?"""
    try:
        connect(url, name="readiness-probe").close()
    except OUTAGE_ERRORS:
        return False
    return True
