"""An auth_service configuration on a fresh database of this run, for integration tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from auth_service.config import Config, from_env
from scripts.keys import ensure_key_pair
from shared.db import migrate

MIGRATIONS = Path(__file__).resolve().parents[2] / "auth_service/migrations"


def auth_config(
    database_factory: Callable[[str], str], rabbitmq_url: str, keys: Path, name: str
) -> Config:
    """A migrated database `name`, a key pair in `keys` and cheap Argon2 parameters."""
    url = database_factory(name)
    migrate(url, MIGRATIONS)
    ensure_key_pair(keys / "private.pem", keys / "public.pem")
    return from_env(
        {
            "AUTH_DATABASE_URL": url,
            "RABBITMQ_URL": rabbitmq_url,
            "ARGON2_PROFILE": "test",
            "JWT_PRIVATE_KEY_FILE": str(keys / "private.pem"),
            "JWT_PUBLIC_KEY_FILE": str(keys / "public.pem"),
        }
    )
