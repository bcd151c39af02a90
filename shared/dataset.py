"""`python -m shared.dataset <package>`: does the service's database already hold a dataset?

Boot scripts ask before migrating: a database that is empty although the deployment was
initialised before (ALLOW_EMPTY_DATABASE=false) is a database restarted on an empty volume, on
another node say, and migrating it would silently start a second dataset. Exit status: 0 the
database holds tables, 3 it is empty or missing, 1 it cannot be reached (the caller retries).
"""

from __future__ import annotations

import importlib
import sys

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

EMPTY = 3
UNKNOWN_DATABASE = 1049  # MariaDB's ER_BAD_DB_ERROR


def database_is_empty(url: str) -> bool:
    """True if the database in `url` has no table at all, or does not exist yet."""
    engine = create_engine(make_url(url), connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    except OperationalError as exc:
        if getattr(exc.orig, "args", (None,))[0] == UNKNOWN_DATABASE:
            return True
        raise
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m shared.dataset <service package>", file=sys.stderr)
        return 64
    config = importlib.import_module(f"{argv[0]}.config").from_env()
    try:
        empty = database_is_empty(config.database_url)
    except OperationalError as exc:
        print(f"dataset: the database cannot be reached: {exc.orig}", file=sys.stderr)
        return 1
    return EMPTY if empty else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
