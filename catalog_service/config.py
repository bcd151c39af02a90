"""The only reader of os.environ in catalog_service, with working local defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shared.config import flag

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    database_url: str
    rabbitmq_url: str
    event_prefix: str
    jwt_public_key_file: str
    jwt_issuer: str
    jwt_audience: str
    log_level: str
    worker_health_port: int
    # auth_service's api replicas, asked for revoked tokens (shared/web/revocations.py).
    auth_url: str = "http://127.0.0.1:8101"
    follow_revocations: bool = True  # off only where no auth_service runs (tests, tools)
    covers_dir: str = str(ROOT / "var/covers")
    gateway_url: str = "http://127.0.0.1:8080"


def from_env(env: os._Environ[str] | dict[str, str] = os.environ) -> Config:
    return Config(
        database_url=env.get(
            "CATALOG_DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/bookstore_catalog"
        ),
        rabbitmq_url=env.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
        event_prefix=env.get("EVENT_PREFIX", ""),
        jwt_public_key_file=env.get("JWT_PUBLIC_KEY_FILE", str(ROOT / "var/keys/jwt_public.pem")),
        jwt_issuer=env.get("JWT_ISSUER", "bookstore-auth"),
        jwt_audience=env.get("JWT_AUDIENCE", "bookstore"),
        log_level=env.get("LOG_LEVEL", "INFO"),
        worker_health_port=int(env.get("WORKER_HEALTH_PORT", "8202")),
        auth_url=env.get("AUTH_URL", "http://127.0.0.1:8101"),
        follow_revocations=flag(env, "FOLLOW_REVOCATIONS", True),
        covers_dir=env.get("COVERS_DIR", str(ROOT / "var/covers")),
        gateway_url=env.get("GATEWAY_URL", "http://127.0.0.1:8080"),
    )
