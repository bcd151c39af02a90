"""catalog_service: listings, search, covers, and stock reservations."""

from __future__ import annotations

from flask import Flask

from catalog_service import api, seller_api
from catalog_service.config import Config, from_env
from catalog_service.covers import CoverStore
from catalog_service.db import Database
from shared.web.service_app import create_service_app


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    return create_service_app(
        __name__,
        config,
        Database(config.database_url),
        [api.bp, seller_api.bp],
        extensions={"covers": CoverStore(config.covers_dir)},
    )
