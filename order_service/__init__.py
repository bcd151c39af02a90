"""order_service: the book read model, carts, orders and the order saga."""

from __future__ import annotations

from flask import Flask

from order_service import api, fulfilment_api
from order_service.config import Config, from_env
from order_service.db import Database
from order_service.payments import SimulatedProvider
from shared.web.service_app import create_service_app


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    db = Database(config.database_url)
    return create_service_app(
        __name__,
        config,
        db,
        [api.bp, fulfilment_api.bp],
        extensions={"payments": SimulatedProvider(db.engine)},
    )
