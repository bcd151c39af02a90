from notification_service import models  # noqa: F401  (registers every table on Base.metadata)
from notification_service.db import Base
from shared.migrations_env import run_migrations

run_migrations(Base.metadata)
