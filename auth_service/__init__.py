"""auth_service: accounts, tokens, revocation."""

from __future__ import annotations

import logging

from flask import Flask, Response
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from auth_service import api
from auth_service.config import Config, from_env
from auth_service.db import Database
from auth_service.passwords import Passwords
from auth_service.throttle import ThrottlePolicy
from auth_service.tokens import TokenIssuer
from shared.events.connection import broker_reachable
from shared.web.app import init_common
from shared.web.errors import error_response
from shared.web.keys import load_verifier

log = logging.getLogger(__name__)


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    app = Flask(__name__)
    db = Database(config.database_url)
    app.extensions["config"], app.extensions["db"] = config, db
    app.extensions["auth"] = api.AuthContext(
        sessions=db.session,
        passwords=Passwords(config.argon2_profile),
        issuer=TokenIssuer.from_file(
            config.jwt_private_key_file,
            issuer=config.jwt_issuer,
            audience=config.jwt_audience,
            ttl=config.access_token_ttl,
        ),
        policy=throttle_policy(config),
        trust_forwarded_for=config.trust_forwarded_for,
    )
    verifier = load_verifier(
        config.jwt_public_key_file, issuer=config.jwt_issuer, audience=config.jwt_audience
    )
    init_common(
        app,
        verifier=verifier,
        service="auth_service",
        log_level=config.log_level,
        checks={
            "database": lambda: _ping(db),
            "broker": lambda: broker_reachable(config.rabbitmq_url),
        },
        max_body=64 * 1024,  # auth bodies are tiny
    )
    app.register_blueprint(api.bp)
    app.register_blueprint(api.internal_bp)
    app.register_error_handler(OperationalError, _database_unavailable)
    return app


def _database_unavailable(exc: OperationalError) -> Response:
    """The database is away (restart, failover): say so with 503, not a 500."""
    log.warning("database unavailable: %s", exc.orig)
    response = error_response(503, "The service is temporarily unavailable; retry shortly.")
    response.headers["Retry-After"] = "2"
    return response


def throttle_policy(config: Config) -> ThrottlePolicy:
    return ThrottlePolicy(
        window=config.throttle_window,
        email_limit=config.throttle_email_limit,
        client_limit=config.throttle_client_limit,
    )


def _ping(db: Database) -> bool:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar() == 1
