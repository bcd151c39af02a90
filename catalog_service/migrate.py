"""`python -m catalog_service.migrate`: create and upgrade the catalog database."""

from pathlib import Path

from catalog_service.config import from_env
from shared.db import migrate

if __name__ == "__main__":
    migrate(from_env().database_url, Path(__file__).parent / "migrations")
