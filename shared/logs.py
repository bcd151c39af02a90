"""Structured JSON logs that carry the request id and the event correlation id."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
event_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, var in (
            ("request_id", request_id_var),
            ("correlation_id", correlation_id_var),
            ("event_id", event_id_var),
        ):
            if (value := var.get()) is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO") -> None:
    """One JSON line per record on stderr, for every logger in the process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("pika").setLevel(logging.WARNING)


@contextlib.contextmanager
def bind_correlation(correlation_id: str | None, event_id: str | None) -> Iterator[None]:
    """Log lines inside this block carry the event's correlation and id."""
    tokens = (correlation_id_var.set(correlation_id), event_id_var.set(event_id))
    try:
        yield
    finally:
        correlation_id_var.reset(tokens[0])
        event_id_var.reset(tokens[1])
