"""`python -m catalog_service.migrate`: create and upgrade the catalog database."""

from pathlib import Path

from catalog_service.config import from_env
from shared.db import migrate
from shared.logs import configure_logging

if __name__ == "__main__":
    config = from_env()
    configure_logging("catalog_migrate", config.log_level)
    migrate(config.database_url, Path(__file__).parent / "migrations")
