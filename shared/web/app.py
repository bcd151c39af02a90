"""What every BookStore Flask app gets: ids, errors, logs, health, metrics, body limit."""

from __future__ import annotations

from flask import Flask

from shared.logs import configure_logging
from shared.web.errors import register_error_handlers
from shared.web.ops import Check, init_ops
from shared.web.requests import init_request_ids
from shared.web.tokens import TokenVerifier


def init_common(
    app: Flask,
    *,
    service: str,
    checks: dict[str, Check],
    verifier: TokenVerifier | None = None,
    log_level: str = "INFO",
    max_body: int = 1024 * 1024,
) -> None:
    configure_logging(service, log_level)
    app.config.setdefault("MAX_CONTENT_LENGTH", max_body)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if verifier is not None:
        app.extensions["token_verifier"] = verifier
    init_request_ids(app)
    register_error_handlers(app)
    init_ops(app, service, checks)
