"""Structured JSON logs that carry the request id and the event correlation id.

Every line a BookStore process writes is one JSON object: the apps and workers through
`configure_logging`, gunicorn's own loggers through `gunicorn_logconfig` (gunicorn.conf.py).
A record may carry more fields with `extra={"fields": {...}}` (the access log does).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
event_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str = "bookstore") -> None:
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
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update({k: v for k, v in fields.items() if k not in entry})
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
    logging.captureWarnings(True)  # warnings.warn would print plain text to stderr
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_thread_crash


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    """The exception that ends the process is a JSON line too, not a plain traceback."""
    logging.getLogger("bookstore.crash").critical("uncaught exception", exc_info=(kind, value, tb))


def _log_thread_crash(args: threading.ExceptHookArgs) -> None:
    """A thread that dies by surprise leaves a JSON line, not a plain traceback."""
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("bookstore.thread").error(
        "thread %s died",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),  # type: ignore[arg-type]
    )


def gunicorn_logconfig(service: str, level: str = "INFO") -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its master and worker lines as JSON, like the app's."""
    formatter = {"()": f"{__name__}.JsonFormatter", "service": service}
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": formatter},
        "handlers": {"console": handler, "error_console": handler},
        "root": {"level": level.upper(), "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {
                "level": level.upper(),
                "handlers": ["error_console"],
                "propagate": False,
                "qualname": "gunicorn.error",
            },
            # A log config turns gunicorn's access log on; the app writes a better one (route
            # template, request id), so gunicorn's stays quiet.
            "gunicorn.access": {
                "level": "CRITICAL",
                "handlers": [],
                "propagate": False,
                "qualname": "gunicorn.access",
            },
        },
    }


@contextlib.contextmanager
def bind_correlation(correlation_id: str | None, event_id: str | None) -> Iterator[None]:
    """Log lines inside this block carry the event's correlation and id."""
    tokens = (correlation_id_var.set(correlation_id), event_id_var.set(event_id))
    try:
        yield
    finally:
        correlation_id_var.reset(tokens[0])
        event_id_var.reset(tokens[1])
