"""Broker faults that confirm themselves: stopped means the system's broker URL refuses us."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pika
import pika.exceptions


def rabbitmqctl(*args: str) -> str:
    return subprocess.run(
        ["rabbitmqctl", "-q", *args], capture_output=True, text=True, check=True, timeout=120
    ).stdout


def reachable(url: str) -> bool:
    """Can an AMQP connection to `url` be opened right now (one attempt, short timeouts)?"""
    parameters = pika.URLParameters(url)
    parameters.connection_attempts, parameters.socket_timeout = 1, 3
    parameters.blocked_connection_timeout = 3
    try:
        pika.BlockingConnection(parameters).close()
    except pika.exceptions.AMQPError:
        return False
    return True


@contextmanager
def broker_stopped(url: str, *, back_within: float = 90) -> Iterator[None]:
    """RabbitMQ stopped (`rabbitmqctl stop_app`) for the block, then started again.

    The fault is confirmed before the block runs: the broker at `url` (the one the system
    uses) must refuse connections, or the test would prove recovery from nothing. After the
    block the broker must accept connections again.
    """
    rabbitmqctl("stop_app")
    try:
        assert not reachable(url), (
            "rabbitmqctl stopped a broker this system does not use: no fault was injected"
        )
        yield
    finally:
        rabbitmqctl("start_app")
    deadline = time.monotonic() + back_within
    while not reachable(url):
        assert time.monotonic() < deadline, "the broker did not come back"
        time.sleep(0.5)
