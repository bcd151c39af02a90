"""The only reader of os.environ in notification_service, with working local defaults."""

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
    auth_url: str = "http://127.0.0.1:8101"
    follow_revocations: bool = True
    # Where e-mail goes: smtp://[user:password@]host:port (smtps:// for TLS from the start,
    # ?starttls=true to upgrade); in Swarm the relay's URL is a secret (SMTP_URL_FILE).
    smtp_url: str = "smtp://127.0.0.1:1025"
    mail_from: str = "BookStore <no-reply@bookstore.local>"
    # Links in e-mails point at the web frontend.
    public_url: str = "http://127.0.0.1:8000"
    mail_poll_seconds: float = 0.2
    mail_retry_base_seconds: float = 1.0
    mail_retry_cap_seconds: float = 300.0
    mail_max_attempts: int = 200  # then the delivery is marked failed, for an operator


def from_env(env: os._Environ[str] | dict[str, str] = os.environ) -> Config:
    return Config(
        database_url=env.get(
            "NOTIFICATION_DATABASE_URL",
            "mysql+pymysql://root@127.0.0.1:3306/bookstore_notifications",
        ),
        rabbitmq_url=env.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
        event_prefix=env.get("EVENT_PREFIX", ""),
        jwt_public_key_file=env.get("JWT_PUBLIC_KEY_FILE", str(ROOT / "var/keys/jwt_public.pem")),
        jwt_issuer=env.get("JWT_ISSUER", "bookstore-auth"),
        jwt_audience=env.get("JWT_AUDIENCE", "bookstore"),
        log_level=env.get("LOG_LEVEL", "INFO"),
        worker_health_port=int(env.get("WORKER_HEALTH_PORT", "8204")),
        auth_url=env.get("AUTH_URL", "http://127.0.0.1:8101"),
        follow_revocations=flag(env, "FOLLOW_REVOCATIONS", True),
        smtp_url=env.get("SMTP_URL", "smtp://127.0.0.1:1025"),
        mail_from=env.get("MAIL_FROM", "BookStore <no-reply@bookstore.local>"),
        public_url=env.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        mail_poll_seconds=float(env.get("MAIL_POLL_SECONDS", "0.2")),
        mail_retry_base_seconds=float(env.get("MAIL_RETRY_BASE_SECONDS", "1")),
        mail_retry_cap_seconds=float(env.get("MAIL_RETRY_CAP_SECONDS", "300")),
        mail_max_attempts=int(env.get("MAIL_MAX_ATTEMPTS", "200")),
    )
