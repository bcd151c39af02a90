"""The one way a service records an event: in its outbox, in the caller's transaction.

Each service makes one `Recorder` in its `events.py` (`record = Recorder("order_service",
outbox)`) and its use cases and handlers call it with a catalogued event:

    events.record(session, OrderPaid(...), cause=event)      # caused by a consumed event
    events.record(session, BookCreated(...), correlation_id=request_id)

The relay publishes the row once the transaction has committed (shared.events.outbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.orm import Session

from shared.events.catalogue import EventData
from shared.events.envelope import Envelope, envelope_for
from shared.events.outbox import add_event

E = TypeVar("E", bound=EventData)


@dataclass(frozen=True)
class Recorder:
    producer: str
    outbox: Table

    def __call__(
        self,
        session: Session,
        data: E,
        *,
        correlation_id: str | None = None,
        cause: Envelope[Any] | None = None,
    ) -> Envelope[E]:
        """Write `data`'s event to the outbox; `cause` gives its correlation and causation."""
        if data.PRODUCER != self.producer:
            raise ValueError(f"{data.TYPE} is published by {data.PRODUCER}, not {self.producer}")
        event = envelope_for(
            data, producer=self.producer, correlation_id=correlation_id, cause=cause
        )
        add_event(session, self.outbox, event)
        return event
