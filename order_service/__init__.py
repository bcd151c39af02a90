"""order_service: the book read model, carts, orders and the order saga."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from order_service import api
from order_service.config import Config, from_env
from order_service.db import Database
from order_service.payments import SimulatedProvider
from shared.events.connection import broker_reachable
from shared.web.app import init_common
from shared.web.keys import load_verifier


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    app = Flask(__name__)
    db = Database(config.database_url)
    app.extensions["config"], app.extensions["db"] = config, db
    app.extensions["payments"] = SimulatedProvider(db.engine)
    verifier = load_verifier(
        config.jwt_public_key_file, issuer=config.jwt_issuer, audience=config.jwt_audience
    )
    init_common(
        app,
        verifier=verifier,
        service="order_service",
        log_level=config.log_level,
        checks={
            "database": lambda: _ping(db),
            "broker": lambda: broker_reachable(config.rabbitmq_url),
        },
    )
    app.register_blueprint(api.bp)
    return app


def _ping(db: Database) -> bool:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar() == 1
