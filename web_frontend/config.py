"""The only reader of os.environ in web_frontend, with working local defaults (shared/config.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator

from shared.config import BaseUrl, Flag, Settings, setting

DEV_SECRET = "dev-only-change-me"


def _development(value: Any) -> Any:
    """BOOKSTORE_ENV: development mode unless it names anything else."""
    return value == "development" if isinstance(value, str) else value


class Config(Settings):
    gateway_url: BaseUrl = setting("GATEWAY_URL", "http://127.0.0.1:8080")
    # FRONTEND_SECRET_KEY, or the content of FRONTEND_SECRET_KEY_FILE (a Docker secret).
    secret_key: str = setting("FRONTEND_SECRET_KEY", DEV_SECRET, secret=True)
    development: Annotated[bool, BeforeValidator(_development)] = setting("BOOKSTORE_ENV", True)
    secure_cookies: Flag = setting("SECURE_COOKIES", False)
    # Behind the nginx edge, X-Forwarded-Proto tells us the page was served over HTTPS.
    behind_proxy: Flag = setting("BEHIND_PROXY", False)
    gateway_timeout: float = setting("FRONTEND_GATEWAY_TIMEOUT", 10.0)
    per_page: int = setting("FRONTEND_PER_PAGE", 12)
    max_cover_bytes: int = 5 * 1024 * 1024  # fixed: not read from the environment
    timeline_poll_ms: int = setting("FRONTEND_TIMELINE_POLL_MS", 1500)
    # The local mail catcher's JSON view, linked from the footer in development mode.
    mailcatcher_url: BaseUrl = setting("MAILCATCHER_URL", "http://127.0.0.1:8025")


def from_env(env: Mapping[str, str] = os.environ) -> Config:
    return Config.from_env(env)
