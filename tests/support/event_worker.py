"""A worker process of the test service, for tests that SIGKILL a worker mid-message.

Usage: python -m tests.support.event_worker DATABASE_URL RABBITMQ_URL PREFIX [stall]
"""

from __future__ import annotations

import signal
import sys
import threading

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from shared.events import Topology
from tests.support.eventkit import STALLING, make_consumer


def main() -> None:
    database_url, rabbitmq_url, prefix = sys.argv[1:4]
    if sys.argv[4:] == ["stall"]:
        STALLING.set()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sessions = sessionmaker(create_engine(database_url, pool_pre_ping=True))
    make_consumer(sessions=sessions, url=rabbitmq_url, topology=Topology(prefix), stop=stop).run()


if __name__ == "__main__":
    main()
