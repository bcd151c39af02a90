"""The only reader of os.environ in web_frontend, with working local defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass

from shared.config import flag

DEV_SECRET = "dev-only-change-me"


@dataclass(frozen=True)
class Config:
    gateway_url: str
    secret_key: str
    log_level: str
    development: bool
    secure_cookies: bool
    behind_proxy: bool = False
    gateway_timeout: float = 10.0
    per_page: int = 12
    max_cover_bytes: int = 5 * 1024 * 1024
    timeline_poll_ms: int = 1500
    # The local mail catcher's JSON view, linked from the footer in development mode.
    mailcatcher_url: str = "http://127.0.0.1:8025"


def from_env(env: os._Environ[str] | dict[str, str] = os.environ) -> Config:
    return Config(
        gateway_url=env.get("GATEWAY_URL", "http://127.0.0.1:8080").rstrip("/"),
        secret_key=_secret(env),
        log_level=env.get("LOG_LEVEL", "INFO"),
        development=env.get("BOOKSTORE_ENV", "development") == "development",
        secure_cookies=flag(env, "SECURE_COOKIES", False),
        # Behind the nginx edge, X-Forwarded-Proto tells us the page was served over HTTPS.
        behind_proxy=flag(env, "BEHIND_PROXY", False),
        gateway_timeout=float(env.get("FRONTEND_GATEWAY_TIMEOUT", "10")),
        per_page=int(env.get("FRONTEND_PER_PAGE", "12")),
        timeline_poll_ms=int(env.get("FRONTEND_TIMELINE_POLL_MS", "1500")),
        mailcatcher_url=env.get("MAILCATCHER_URL", "http://127.0.0.1:8025").rstrip("/"),
    )


def _secret(env: os._Environ[str] | dict[str, str]) -> str:
    """FRONTEND_SECRET_KEY, or the content of FRONTEND_SECRET_KEY_FILE (a Docker secret)."""
    path = env.get("FRONTEND_SECRET_KEY_FILE")
    if path:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    return env.get("FRONTEND_SECRET_KEY", DEV_SECRET)
