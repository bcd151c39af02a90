"""The only reader of os.environ in catalog_service, with working local defaults (see
shared/config.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from shared.config import (
    ROOT,
    FollowsRevocations,
    ServiceSettings,
    database_url,
    setting,
    worker_health_port,
)


class Config(ServiceSettings, FollowsRevocations):
    database_url: str = database_url("CATALOG", "bookstore_catalog")
    worker_health_port: int = worker_health_port(8202)
    covers_dir: str = setting("COVERS_DIR", str(ROOT / "var/covers"))
    gateway_url: str = setting("GATEWAY_URL", "http://127.0.0.1:8080")


def from_env(env: Mapping[str, str] = os.environ) -> Config:
    return Config.from_env(env)
