"""The only reader of os.environ in notification_service, with working local defaults
(shared/config.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from shared.config import (
    BaseUrl,
    FollowsRevocations,
    ServiceSettings,
    database_url,
    setting,
    worker_health_port,
)


class Config(ServiceSettings, FollowsRevocations):
    database_url: str = database_url("NOTIFICATION", "bookstore_notifications")
    worker_health_port: int = worker_health_port(8204)
    # Where e-mail goes: smtp://[user:password@]host:port (smtps:// for TLS from the start,
    # ?starttls=true to upgrade); in Swarm the relay's URL is a secret (SMTP_URL_FILE).
    smtp_url: str = setting("SMTP_URL", "smtp://127.0.0.1:1025", secret=True)
    mail_from: str = setting("MAIL_FROM", "BookStore <no-reply@bookstore.local>")
    # Links in e-mails point at the web frontend.
    public_url: BaseUrl = setting("PUBLIC_URL", "http://127.0.0.1:8000")
    mail_poll_seconds: float = setting("MAIL_POLL_SECONDS", 0.2)
    mail_retry_base_seconds: float = setting("MAIL_RETRY_BASE_SECONDS", 1.0)
    mail_retry_cap_seconds: float = setting("MAIL_RETRY_CAP_SECONDS", 300.0)
    # then the delivery is marked failed, for an operator
    mail_max_attempts: int = setting("MAIL_MAX_ATTEMPTS", 200)


def from_env(env: Mapping[str, str] = os.environ) -> Config:
    return Config.from_env(env)
