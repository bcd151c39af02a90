"""`python -m notification_service.migrate`: create and upgrade the notification database."""

from pathlib import Path

from notification_service.config import from_env
from shared.db import migrate
from shared.logs import configure_logging

if __name__ == "__main__":
    config = from_env()
    configure_logging("notification_migrate", config.log_level)
    migrate(config.database_url, Path(__file__).parent / "migrations")
