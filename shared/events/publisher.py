"""Publishing a batch with streamed publisher confirms: one wait per batch, not per message.

pika's BlockingChannel waits for each confirm in turn, which caps a relay at one broker round
trip (and, for quorum queues, one fsync) per event. Here the whole batch is written, then the
acks are collected as they stream back (`multiple` acks included), as RabbitMQ's documentation
recommends for throughput. BlockingChannel exposes no confirm callback, so this talks to the
channel implementation underneath it (`_impl`, pika 1.x) while the BlockingConnection drives I/O.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions
from pika.spec import Basic


@dataclass(frozen=True)
class Message:
    key: int  # the caller's id for it (an outbox row id)
    exchange: str
    routing_key: str
    body: bytes
    properties: pika.BasicProperties


class ConfirmingPublisher:
    """A confirm-mode channel whose batches are pipelined; `mandatory` on every message."""

    def __init__(self, connection: pika.BlockingConnection, timeout: float = 30.0) -> None:
        self.connection, self.timeout = connection, timeout
        self.channel = connection.channel()
        self._impl: Any = self.channel._impl  # noqa: SLF001 (see the module docstring)
        self._tag = 0
        self._outstanding: dict[int, int] = {}
        self._acked: set[int] = set()
        self._refused: set[int] = set()
        self._by_message_id: dict[str, int] = {}
        selected: list[bool] = []
        self._impl.confirm_delivery(self._on_confirm, callback=lambda _frame: selected.append(True))
        self._impl.add_on_return_callback(self._on_return)
        self._wait_until(lambda: bool(selected))

    def publish(
        self, messages: Sequence[Message], keep_alive: Callable[[], None] = lambda: None
    ) -> list[int]:
        """Publish all, wait for their confirms; the keys confirmed, in order, up to a failure.

        `keep_alive` is called about every second of the wait (the relay keeps its lock's lease).
        """
        self._acked.clear()
        self._refused.clear()
        self._by_message_id.clear()
        for message in messages:
            self._impl.basic_publish(
                message.exchange,
                message.routing_key,
                message.body,
                message.properties,
                mandatory=True,
            )
            self._tag += 1
            self._outstanding[self._tag] = message.key
            if message.properties.message_id:
                self._by_message_id[message.properties.message_id] = message.key
        self._wait_until(lambda: not self._outstanding, keep_alive)
        confirmed: list[int] = []
        for message in messages:
            if message.key in self._refused or message.key not in self._acked:
                break
            confirmed.append(message.key)
        return confirmed

    def _wait_until(self, done: Any, keep_alive: Callable[[], None] = lambda: None) -> None:
        started = time.monotonic()
        deadline, next_keep_alive = started + self.timeout, started + 1.0
        while not done():
            now = time.monotonic()
            if now > deadline:
                raise pika.exceptions.AMQPError("no publisher confirm within the timeout")
            if now > next_keep_alive:
                keep_alive()
                next_keep_alive = now + 1.0
            self.connection.process_data_events(time_limit=0.2)

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        tags = (
            [t for t in self._outstanding if t <= method.delivery_tag]
            if method.multiple
            else [method.delivery_tag]
        )
        for tag in tags:
            key = self._outstanding.pop(tag, None)
            if key is not None:
                (self._refused if isinstance(method, Basic.Nack) else self._acked).add(key)
        if not self._outstanding:
            # The impl channel's callbacks do not end a BlockingConnection wait: without this,
            # every batch waited out process_data_events' whole time limit (200 ms).
            self.connection.add_callback_threadsafe(_nothing)

    def _on_return(self, _channel: Any, _method: Any, properties: Any, _body: bytes) -> None:
        """A mandatory message no queue took (its ack follows): it is not delivered."""
        key = self._by_message_id.get(properties.message_id)
        if key is not None:
            self._refused.add(key)


def _nothing() -> None:
    """A callback whose only effect is to end the connection's current wait."""
