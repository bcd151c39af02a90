"""catalog_service: listings, search, covers, and stock reservations."""

from __future__ import annotations

from flask import Flask

from catalog_service import api, seller_api
from catalog_service.config import Config, from_env
from catalog_service.covers import CoverStore
from catalog_service.db import Database
from shared.web.revocations import from_auth_urls
from shared.web.service_app import init_service_api


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    app = Flask(__name__)
    db = Database(config.database_url)
    app.extensions["config"], app.extensions["db"] = config, db
    app.extensions["covers"] = CoverStore(config.covers_dir)
    init_service_api(
        app,
        service="catalog_service",
        engine=db.engine,
        rabbitmq_url=config.rabbitmq_url,
        public_key_file=config.jwt_public_key_file,
        issuer=config.jwt_issuer,
        audience=config.jwt_audience,
        log_level=config.log_level,
        revocations=from_auth_urls(
            config.auth_url,
            rabbitmq_url=config.rabbitmq_url,
            event_prefix=config.event_prefix,
            client_name="catalog_service",
            follow=config.follow_revocations,
        ),
    )
    app.register_blueprint(api.bp)
    app.register_blueprint(seller_api.bp)
    return app
