"""api_gateway: the one front door of the API (filled in by the auth/gateway issue)."""

from __future__ import annotations

from flask import Flask

from api_gateway.config import Config, from_env
from shared.web.app import init_common


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    app = Flask(__name__)
    app.extensions["config"] = config
    init_common(
        app,
        service="api_gateway",
        log_level=config.log_level,
        checks={},
        max_body=config.max_body_bytes,
    )
    return app
