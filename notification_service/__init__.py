"""notification_service: favourites, wants, the notification inbox and e-mail, all from events."""

from __future__ import annotations

from flask import Flask

from notification_service import api
from notification_service.config import Config, from_env
from notification_service.db import Database
from shared.web.service_app import create_service_app


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    return create_service_app(__name__, config, Database(config.database_url), [api.bp])
