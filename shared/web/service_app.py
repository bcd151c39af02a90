"""What every service api (auth, catalog, order, notification) adds to init_common: tokens,
readiness, 503s; and create_service_app, the one way those apis are built."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import sqlalchemy.exc
from flask import Blueprint, Flask, Response
from sqlalchemy import Engine, text

from shared.config import FollowsRevocations, ServiceSettings
from shared.db import Database
from shared.events import nudge
from shared.events.connection import broker_reachable
from shared.web.app import init_common
from shared.web.errors import error_response
from shared.web.keys import load_verifier
from shared.web.ops import Check
from shared.web.revocations import Revocations, from_auth_urls

log = logging.getLogger(__name__)

# What a database restart, failover or exhausted pool looks like to a request.
DATABASE_OUTAGES = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)


def create_service_app(
    name: str,
    config: ServiceSettings,
    db: Database,
    blueprints: Iterable[Blueprint],
    *,
    extensions: Mapping[str, object] | None = None,
    max_body: int = 1024 * 1024,
) -> Flask:
    """The api of service `name` (its package): `config` and `db` (then `extensions`) in
    app.extensions, init_service_api, then `blueprints` in order. A config that follows
    revocations (FollowsRevocations: every service but auth_service, which keeps the list)
    gets the follower asking auth_service's AUTH_URL replicas, named after the service."""
    app = Flask(name)
    app.extensions["config"], app.extensions["db"] = config, db
    app.extensions.update(extensions or {})
    revocations = None
    if isinstance(config, FollowsRevocations):
        revocations = from_auth_urls(
            config.auth_url,
            rabbitmq_url=config.rabbitmq_url,
            event_prefix=config.event_prefix,
            client_name=name,
            follow=config.follow_revocations,
        )
    init_service_api(
        app,
        service=name,
        engine=db.engine,
        rabbitmq_url=config.rabbitmq_url,
        public_key_file=config.jwt_public_key_file,
        issuer=config.jwt_issuer,
        audience=config.jwt_audience,
        log_level=config.log_level,
        max_body=max_body,
        revocations=revocations,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app


def init_service_api(
    app: Flask,
    *,
    service: str,
    engine: Engine,
    rabbitmq_url: str,
    public_key_file: str,
    issuer: str,
    audience: str,
    log_level: str,
    max_body: int = 1024 * 1024,
    revocations: Revocations | None = None,
) -> None:
    """Token checks with the public key (and `revocations`, refused here too: a caller inside
    the network may skip the gateway), readiness, and 503 while the database is away."""
    checks: dict[str, Check] = {
        "database": lambda: database_answers(engine),
        "broker": lambda: broker_reachable(rabbitmq_url),
    }
    if revocations is not None:
        app.extensions["revocations"] = revocations
        app.before_request(revocations.start)  # lazily, once per (forked) process
        checks["revocations"] = lambda: revocations.live
    init_common(
        app,
        verifier=load_verifier(public_key_file, issuer=issuer, audience=audience),
        service=service,
        log_level=log_level,
        checks=checks,
        max_body=max_body,
    )
    for outage in DATABASE_OUTAGES:
        app.register_error_handler(outage, _database_unavailable)
    app.register_error_handler(sqlalchemy.exc.DataError, _value_refused)
    # A request that committed events wakes the outbox relay (in a worker) through the broker.
    nudge.configure(rabbitmq_url, name=f"{service}-api")


def database_answers(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1")).scalar() == 1


def _value_refused(exc: Exception) -> Response:
    """A value the database would not store (too long, out of range) that validation let
    through: the client's input, so a 422, never a 500 (the parameters are not logged)."""
    log.warning("database refused a value: %s", type(exc.__cause__ or exc).__name__)
    return error_response(422, "A value in the request is too long or out of range.")


def _database_unavailable(exc: Exception) -> Response:
    log.warning("database unavailable: %s", exc)
    response = error_response(503, "The service is briefly unavailable; try again shortly.")
    response.headers["Retry-After"] = "2"
    return response
