"""The event envelope: strict when an event is built, tolerant when one is read.

An `Envelope[D]` carries its `data` either as a catalogued class (shared.events.catalogue) or, for
a type the catalogue does not know (tests, benchmarks), as a plain dict. Reading is two steps:
`parse_envelope` checks the envelope and keeps `data` as the JSON object it was; `decode` turns
that object into the type's class, and is what the consumer does once, before any handler runs.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from shared.events.catalogue import EVENT_TYPES, EventData
from shared.timestamps import now_iso

SCHEMA_VERSION = 1
_TYPE_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
D = TypeVar("D", covariant=True)  # an Envelope[BookCreated] is an Envelope[BookFields]
E = TypeVar("E", bound=EventData)


class EnvelopeError(ValueError):
    """The bytes are not a valid event envelope (never retried: dead-lettered at once)."""


@dataclass(frozen=True)
class Envelope(Generic[D]):
    type: str
    data: D
    producer: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    schema: int = SCHEMA_VERSION
    occurred_at: str = field(default_factory=now_iso)
    correlation_id: str | None = None
    causation_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = self.data.wire() if isinstance(self.data, EventData) else self.data
        return {
            "id": self.id,
            "type": self.type,
            "schema": self.schema,
            "occurred_at": self.occurred_at,
            "producer": self.producer,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "data": data,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    def caused(self, event_type: str, data: dict[str, Any], *, producer: str) -> Envelope[Any]:
        """A new event caused by this one: same correlation, causation = this id."""
        return new_event(
            event_type,
            data,
            producer=producer,
            correlation_id=self.correlation_id or self.id,
            causation_id=self.id,
        )


def envelope_for(
    data: E,
    *,
    producer: str,
    correlation_id: str | None = None,
    cause: Envelope[Any] | None = None,
) -> Envelope[E]:
    """The envelope of a catalogued event; with a `cause`, its correlation and causation."""
    if cause is not None:
        correlation_id = cause.correlation_id or cause.id
    return Envelope(
        type=data.TYPE,
        data=data,
        producer=producer,
        correlation_id=correlation_id,
        causation_id=cause.id if cause is not None else None,
    )


def new_event(
    event_type: str,
    data: dict[str, Any],
    *,
    producer: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Envelope[Any]:
    """Build an event from a dict, checked against its class when the type is catalogued."""
    if not _TYPE_PATTERN.match(event_type):
        raise EnvelopeError(f"bad event type {event_type!r}")
    if not isinstance(data, dict):
        raise EnvelopeError("data must be an object")
    typed = _validated(event_type, data)
    if typed is None:
        json.dumps(data)  # raises TypeError now rather than in the relay
    return Envelope(
        type=event_type,
        data=typed if typed is not None else data,
        producer=producer,
        correlation_id=correlation_id,
        causation_id=causation_id,
    )


def parse_envelope(body: bytes) -> Envelope[dict[str, Any]]:
    """Read an envelope, ignoring unknown fields; raise EnvelopeError if it cannot be trusted."""
    try:
        raw = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(f"not UTF-8 JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise EnvelopeError("envelope is not an object")
    for key, kind in (("id", str), ("type", str), ("data", dict)):
        if not isinstance(raw.get(key), kind):
            raise EnvelopeError(f"envelope field {key!r} missing or not a {kind.__name__}")
    try:
        uuid.UUID(raw["id"])
    except ValueError:
        raise EnvelopeError("envelope id is not a UUID") from None
    schema = raw.get("schema", SCHEMA_VERSION)
    if schema != SCHEMA_VERSION:
        raise EnvelopeError(f"unsupported schema {schema!r}")
    return Envelope(
        id=raw["id"],
        type=raw["type"],
        data=raw["data"],
        schema=schema,
        producer=str(raw.get("producer", "unknown")),
        occurred_at=str(raw.get("occurred_at", "")),
        correlation_id=raw.get("correlation_id"),
        causation_id=raw.get("causation_id"),
    )


def decode(event: Envelope[Any]) -> Envelope[Any]:
    """`event` with its data as its type's class; EnvelopeError when the data does not fit.

    Types the catalogue does not know keep their dict. Decoding a decoded event is a no-op.
    """
    if isinstance(event.data, EventData) or not isinstance(event.data, dict):
        return event
    typed = _validated(event.type, event.data)
    return event if typed is None else replace(event, data=typed)


def parse_event(body: bytes) -> Envelope[Any]:
    """`decode(parse_envelope(body))`: what a consumer reads off the wire."""
    return decode(parse_envelope(body))


def _validated(event_type: str, data: dict[str, Any]) -> EventData | None:
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        return None
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'data'}: {error['msg']}"
            for error in exc.errors()
        )
        raise EnvelopeError(f"{event_type} data does not fit its class: {problems}") from None
