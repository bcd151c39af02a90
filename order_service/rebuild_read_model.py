"""`python -m order_service.rebuild_read_model`: rebuild the book read model from scratch.

1. Empties order_service's `books` table (carts and orders are untouched: orders keep their own
   price and title snapshots).
2. Runs the catalogue's republish command (ORDER_REPUBLISH_COMMAND, by default
   `python -m catalog_service.republish`), which writes a book.updated (or book.deleted) event for
   every catalogue book to the catalogue's outbox with its current version. The order worker then
   refills the table through its ordinary consumer; nothing has to stop meanwhile.

It needs the catalogue's environment too (CATALOG_DATABASE_URL, EVENT_PREFIX, RABBITMQ_URL): run it
where an operator can reach both databases (in Swarm, a one-off task on the catalog image works
as well: run step 2 there and pass --no-republish here). While the table refills, carts briefly
show books as unavailable.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys

from order_service.config import ROOT, from_env
from order_service.db import Database
from order_service.readmodel import truncate_books


def republish_argv(command: str) -> list[str]:
    """The republish command as argv, `python` meaning this interpreter."""
    argv = shlex.split(command)
    return [sys.executable, *argv[1:]] if argv and argv[0] in ("python", "python3") else argv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m order_service.rebuild_read_model")
    parser.add_argument("--no-republish", action="store_true", help="only empty the read model")
    args = parser.parse_args(argv)
    config = from_env()
    db = Database(config.database_url)
    with db.session() as session, session.begin():
        truncate_books(session)
    db.engine.dispose()
    print("order read model: books emptied", flush=True)
    if args.no_republish:
        return 0
    done = subprocess.run(republish_argv(config.republish_command), cwd=ROOT, check=False)
    if done.returncode != 0:
        print(f"republish failed with {done.returncode}: run it again", file=sys.stderr)
        return done.returncode
    print("order read model: the catalogue republished every book; the worker refills it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
