"""The only reader of os.environ in web_frontend, with working local defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    gateway_url: str
    secret_key: str
    log_level: str
    development: bool
    secure_cookies: bool


def from_env(env: os._Environ[str] | dict[str, str] = os.environ) -> Config:
    return Config(
        gateway_url=env.get("GATEWAY_URL", "http://127.0.0.1:8080"),
        secret_key=env.get("FRONTEND_SECRET_KEY", "dev-only-change-me"),
        log_level=env.get("LOG_LEVEL", "INFO"),
        development=env.get("BOOKSTORE_ENV", "development") == "development",
        secure_cookies=env.get("SECURE_COOKIES", "false") == "true",
    )
