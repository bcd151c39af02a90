"""The event envelope: strict when an event is built, tolerant when one is read."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.events.catalogue import missing_fields

SCHEMA_VERSION = 1
_TYPE_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")


class EnvelopeError(ValueError):
    """The bytes are not a valid event envelope (never retried: dead-lettered at once)."""


def utc_now_iso() -> str:
    """Now, as ISO 8601 UTC with milliseconds and a Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Envelope:
    type: str
    data: dict[str, Any]
    producer: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    schema: int = SCHEMA_VERSION
    occurred_at: str = field(default_factory=utc_now_iso)
    correlation_id: str | None = None
    causation_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "schema": self.schema,
            "occurred_at": self.occurred_at,
            "producer": self.producer,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "data": self.data,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    def caused(self, event_type: str, data: dict[str, Any], *, producer: str) -> Envelope:
        """A new event caused by this one: same correlation, causation = this id."""
        return new_event(
            event_type,
            data,
            producer=producer,
            correlation_id=self.correlation_id or self.id,
            causation_id=self.id,
        )


def new_event(
    event_type: str,
    data: dict[str, Any],
    *,
    producer: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Envelope:
    """Build and validate an event before it is written anywhere."""
    if not _TYPE_PATTERN.match(event_type):
        raise EnvelopeError(f"bad event type {event_type!r}")
    if not isinstance(data, dict):
        raise EnvelopeError("data must be an object")
    if missing := missing_fields(event_type, data):
        raise EnvelopeError(f"{event_type} lacks data fields: {', '.join(missing)}")
    json.dumps(data)  # raises TypeError now rather than in the relay
    return Envelope(
        type=event_type,
        data=data,
        producer=producer,
        correlation_id=correlation_id,
        causation_id=causation_id,
    )


def parse_envelope(body: bytes) -> Envelope:
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
