"""The only reader of os.environ in auth_service, with working local defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shared.config import flag

ROOT = Path(__file__).resolve().parent.parent
MAX_ACCESS_TOKEN_TTL = 900  # the issue caps access tokens at 15 minutes, whatever the env says


@dataclass(frozen=True)
class Config:
    database_url: str
    rabbitmq_url: str
    event_prefix: str
    jwt_private_key_file: str
    jwt_public_key_file: str
    jwt_issuer: str
    jwt_audience: str
    access_token_ttl: int
    log_level: str
    worker_health_port: int
    argon2_profile: str = "production"  # "test": cheap parameters, only ever set by tests
    throttle_window: int = 900
    throttle_pair_limit: int = 5
    throttle_client_limit: int = 50
    throttle_email_limit: int = 100
    registration_limit_per_client: int = 20
    argon2_max_concurrent: int = 2  # hashes at once per process: 64 MiB each in production
    # auth_service is reachable only through the gateway, which overwrites X-Forwarded-For.
    trust_forwarded_for: bool = True
    refresh_token_ttl: int = 14 * 24 * 3600  # slides: each refresh starts it again
    password_reset_limit_per_email: int = 3  # reset e-mails per address per hour
    password_reset_limit_per_client: int = 20  # reset requests per client address per hour


def from_env(env: os._Environ[str] | dict[str, str] = os.environ) -> Config:
    return Config(
        database_url=env.get(
            "AUTH_DATABASE_URL", "mysql+pymysql://root@127.0.0.1:3306/bookstore_auth"
        ),
        rabbitmq_url=env.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
        event_prefix=env.get("EVENT_PREFIX", ""),
        jwt_private_key_file=env.get(
            "JWT_PRIVATE_KEY_FILE", str(ROOT / "var/keys/jwt_private.pem")
        ),
        jwt_public_key_file=env.get("JWT_PUBLIC_KEY_FILE", str(ROOT / "var/keys/jwt_public.pem")),
        jwt_issuer=env.get("JWT_ISSUER", "bookstore-auth"),
        jwt_audience=env.get("JWT_AUDIENCE", "bookstore"),
        access_token_ttl=min(int(env.get("ACCESS_TOKEN_TTL_SECONDS", "900")), MAX_ACCESS_TOKEN_TTL),
        log_level=env.get("LOG_LEVEL", "INFO"),
        worker_health_port=int(env.get("WORKER_HEALTH_PORT", "8201")),
        argon2_profile=env.get("ARGON2_PROFILE", "production"),
        throttle_window=int(env.get("LOGIN_THROTTLE_WINDOW_SECONDS", "900")),
        throttle_pair_limit=int(env.get("LOGIN_THROTTLE_PAIR_LIMIT", "5")),
        throttle_client_limit=int(env.get("LOGIN_THROTTLE_CLIENT_LIMIT", "50")),
        throttle_email_limit=int(env.get("LOGIN_THROTTLE_EMAIL_LIMIT", "100")),
        registration_limit_per_client=int(env.get("REGISTRATION_LIMIT_PER_CLIENT", "20")),
        argon2_max_concurrent=int(env.get("ARGON2_MAX_CONCURRENT", "2")),
        trust_forwarded_for=flag(env, "TRUST_FORWARDED_FOR", True),
        refresh_token_ttl=int(env.get("REFRESH_TOKEN_TTL_SECONDS", str(14 * 24 * 3600))),
        password_reset_limit_per_email=int(env.get("PASSWORD_RESET_LIMIT_PER_EMAIL", "3")),
        password_reset_limit_per_client=int(env.get("PASSWORD_RESET_LIMIT_PER_CLIENT", "20")),
    )
