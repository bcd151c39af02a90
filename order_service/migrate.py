"""`python -m order_service.migrate`: create and upgrade the order database."""

from pathlib import Path

from order_service.config import from_env
from shared.db import migrate
from shared.logs import configure_logging

if __name__ == "__main__":
    config = from_env()
    configure_logging("order_migrate", config.log_level)
    migrate(config.database_url, Path(__file__).parent / "migrations")
