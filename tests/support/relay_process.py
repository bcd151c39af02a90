"""An outbox relay of the test service in a process of its own, for tests that freeze it.

Usage: python -m tests.support.relay_process DATABASE_URL RABBITMQ_URL PREFIX NAME
"""

from __future__ import annotations

import signal
import sys
import threading

from sqlalchemy import create_engine

from shared.events import Topology
from tests.support.eventkit import make_relay


def main() -> None:
    database_url, rabbitmq_url, prefix, name = sys.argv[1:5]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    engine = create_engine(database_url)
    make_relay(
        engine=engine, url=rabbitmq_url, topology=Topology(prefix), stop=stop, name=name
    ).run()


if __name__ == "__main__":
    main()
