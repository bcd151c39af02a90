"""The only reader of os.environ in api_gateway, with working local defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shared.config import flag

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    auth_url: str
    catalog_url: str
    order_url: str
    rabbitmq_url: str
    event_prefix: str
    jwt_public_key_file: str
    jwt_issuer: str
    jwt_audience: str
    log_level: str
    max_body_bytes: int
    cors_origins: tuple[str, ...]
    connect_timeout: float = 1.0
    upstream_timeout: float = 10.0  # for routes without their own timeout
    pool_size: int = 32  # keep-alive connections per upstream replica
    # Networks of the proxies in front of us (the edge, the frontend) whose X-Forwarded-For
    # entries are believed; empty: the peer address is the client.
    trusted_proxies: tuple[str, ...] = ()
    follow_revocations: bool = True  # unit tests switch the broker follower off
    notification_url: str = "http://127.0.0.1:8104"

    def upstream_urls(self) -> dict[str, tuple[str, ...]]:
        """Each upstream's api replicas (comma-separated in the environment)."""
        return {
            name: tuple(u.strip().rstrip("/") for u in value.split(",") if u.strip())
            for name, value in (
                ("auth", self.auth_url),
                ("catalog", self.catalog_url),
                ("order", self.order_url),
                ("notification", self.notification_url),
            )
        }


def from_env(env: os._Environ[str] | dict[str, str] = os.environ) -> Config:
    return Config(
        auth_url=env.get("AUTH_URL", "http://127.0.0.1:8101"),
        catalog_url=env.get("CATALOG_URL", "http://127.0.0.1:8102"),
        order_url=env.get("ORDER_URL", "http://127.0.0.1:8103"),
        rabbitmq_url=env.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
        event_prefix=env.get("EVENT_PREFIX", ""),
        jwt_public_key_file=env.get("JWT_PUBLIC_KEY_FILE", str(ROOT / "var/keys/jwt_public.pem")),
        jwt_issuer=env.get("JWT_ISSUER", "bookstore-auth"),
        jwt_audience=env.get("JWT_AUDIENCE", "bookstore"),
        log_level=env.get("LOG_LEVEL", "INFO"),
        max_body_bytes=int(env.get("GATEWAY_MAX_BODY_BYTES", str(6 * 1024 * 1024))),
        cors_origins=tuple(o for o in env.get("CORS_ORIGINS", "").split(",") if o),
        connect_timeout=float(env.get("GATEWAY_CONNECT_TIMEOUT", "1.0")),
        upstream_timeout=float(env.get("GATEWAY_UPSTREAM_TIMEOUT", "10.0")),
        pool_size=int(env.get("GATEWAY_POOL_SIZE", "32")),
        trusted_proxies=tuple(
            n.strip() for n in env.get("GATEWAY_TRUSTED_PROXIES", "").split(",") if n.strip()
        ),
        follow_revocations=flag(env, "GATEWAY_FOLLOW_REVOCATIONS", True),
        notification_url=env.get("NOTIFICATION_URL", "http://127.0.0.1:8104"),
    )
