"""web_frontend: the server-rendered shop (filled in by the web frontend issue)."""

from __future__ import annotations

from flask import Flask

from shared.web.app import init_common
from web_frontend.config import Config, from_env


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = config.secret_key
    app.extensions["config"] = config
    init_common(app, service="web_frontend", log_level=config.log_level, checks={})
    return app
