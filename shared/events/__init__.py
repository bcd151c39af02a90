"""The event library every BookStore service uses (DESIGN.md section 3)."""

from shared.events.consumer import Consumer, Handler, PermanentError
from shared.events.envelope import Envelope, EnvelopeError, new_event, parse_envelope
from shared.events.outbox import OutboxRelay, add_event
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
    "RetryPolicy",
    "Topology",
    "add_event",
    "create_event_tables",
    "inbox_table",
    "new_event",
    "outbox_table",
    "parse_envelope",
]
