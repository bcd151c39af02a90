"""Environment for the shared operator commands (services read theirs in their own config.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
DEFAULT_DATABASE_URLS = {
    "auth": "mysql+pymysql://root@127.0.0.1:3306/bookstore_auth",
    "catalog": "mysql+pymysql://root@127.0.0.1:3306/bookstore_catalog",
    "order": "mysql+pymysql://root@127.0.0.1:3306/bookstore_orders",
}


@dataclass(frozen=True)
class EventsConfig:
    rabbitmq_url: str
    event_prefix: str
    database_urls: dict[str, str]


def from_env() -> EventsConfig:
    return EventsConfig(
        rabbitmq_url=os.environ.get("RABBITMQ_URL", DEFAULT_RABBITMQ_URL),
        event_prefix=os.environ.get("EVENT_PREFIX", ""),
        database_urls={
            name: os.environ.get(f"{name.upper()}_DATABASE_URL", url)
            for name, url in DEFAULT_DATABASE_URLS.items()
        },
    )


def worker_health_host() -> str:
    """Where a worker's health and metrics port listens: loopback unless told otherwise."""
    return os.environ.get("WORKER_HEALTH_HOST", "127.0.0.1")
