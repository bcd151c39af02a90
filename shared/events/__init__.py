"""The event library every BookStore service uses (docs/architecture.md, docs/events.md)."""

from shared.events import catalogue
from shared.events.consumer import Consumer, Handler, PermanentError
from shared.events.envelope import (
    Envelope,
    EnvelopeError,
    decode,
    envelope_for,
    new_event,
    parse_envelope,
    parse_event,
)
from shared.events.outbox import OutboxRelay, add_event
from shared.events.recorder import Recorder
from shared.events.retry import Backoff, RetryPolicy
from shared.events.tables import create_event_tables, inbox_table, outbox_table
from shared.events.topology import Topology

__all__ = [
    "Backoff",
    "Consumer",
    "Envelope",
    "EnvelopeError",
    "Handler",
    "OutboxRelay",
    "PermanentError",
    "Recorder",
    "RetryPolicy",
    "Topology",
    "add_event",
    "catalogue",
    "create_event_tables",
    "decode",
    "envelope_for",
    "inbox_table",
    "new_event",
    "outbox_table",
    "parse_envelope",
    "parse_event",
]
