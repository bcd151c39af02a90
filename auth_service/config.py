"""The only reader of os.environ in auth_service, with working local defaults (shared/config.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator

from shared.config import (
    ROOT,
    Flag,
    ServiceSettings,
    database_url,
    setting,
    worker_health_port,
)

MAX_ACCESS_TOKEN_TTL = 900  # the issue caps access tokens at 15 minutes, whatever the env says


class Config(ServiceSettings):
    database_url: str = database_url("AUTH", "bookstore_auth")
    worker_health_port: int = worker_health_port(8201)
    jwt_private_key_file: str = setting(
        "JWT_PRIVATE_KEY_FILE", str(ROOT / "var/keys/jwt_private.pem")
    )
    access_token_ttl: Annotated[int, AfterValidator(lambda s: min(s, MAX_ACCESS_TOKEN_TTL))] = (
        setting("ACCESS_TOKEN_TTL_SECONDS", 900)
    )
    # "test": cheap parameters, only ever set by tests
    argon2_profile: str = setting("ARGON2_PROFILE", "production")
    throttle_window: int = setting("LOGIN_THROTTLE_WINDOW_SECONDS", 900)
    throttle_pair_limit: int = setting("LOGIN_THROTTLE_PAIR_LIMIT", 5)
    throttle_client_limit: int = setting("LOGIN_THROTTLE_CLIENT_LIMIT", 50)
    throttle_email_limit: int = setting("LOGIN_THROTTLE_EMAIL_LIMIT", 100)
    registration_limit_per_client: int = setting("REGISTRATION_LIMIT_PER_CLIENT", 20)
    # hashes at once per process: 64 MiB each in production
    argon2_max_concurrent: int = setting("ARGON2_MAX_CONCURRENT", 2)
    # auth_service is reachable only through the gateway, which overwrites X-Forwarded-For.
    trust_forwarded_for: Flag = setting("TRUST_FORWARDED_FOR", True)
    # slides: each refresh starts it again
    refresh_token_ttl: int = setting("REFRESH_TOKEN_TTL_SECONDS", 14 * 24 * 3600)
    # reset e-mails per address per hour, reset requests per client address per hour
    password_reset_limit_per_email: int = setting("PASSWORD_RESET_LIMIT_PER_EMAIL", 3)
    password_reset_limit_per_client: int = setting("PASSWORD_RESET_LIMIT_PER_CLIENT", 20)


def from_env(env: Mapping[str, str] = os.environ) -> Config:
    return Config.from_env(env)
