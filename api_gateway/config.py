"""The only reader of os.environ in api_gateway, with working local defaults (shared/config.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from shared.config import Broker, Flag, FollowsRevocations, Items, Names, Tokens, setting


class Config(Broker, Tokens, FollowsRevocations):
    # Each upstream's api replicas, comma-separated (auth_url: FollowsRevocations).
    catalog_url: str = setting("CATALOG_URL", "http://127.0.0.1:8102")
    order_url: str = setting("ORDER_URL", "http://127.0.0.1:8103")
    notification_url: str = setting("NOTIFICATION_URL", "http://127.0.0.1:8104")
    max_body_bytes: int = setting("GATEWAY_MAX_BODY_BYTES", 6 * 1024 * 1024)
    cors_origins: Items = setting("CORS_ORIGINS", ())
    connect_timeout: float = setting("GATEWAY_CONNECT_TIMEOUT", 1.0)
    # for routes without their own timeout
    upstream_timeout: float = setting("GATEWAY_UPSTREAM_TIMEOUT", 10.0)
    pool_size: int = setting("GATEWAY_POOL_SIZE", 32)  # keep-alive connections per replica
    # Networks of the proxies in front of us (the edge, the frontend) whose X-Forwarded-For
    # entries are believed; empty: the peer address is the client.
    trusted_proxies: Names = setting("GATEWAY_TRUSTED_PROXIES", ())
    # unit tests switch the broker follower off
    follow_revocations: Flag = setting("GATEWAY_FOLLOW_REVOCATIONS", True)

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


def from_env(env: Mapping[str, str] = os.environ) -> Config:
    return Config.from_env(env)
