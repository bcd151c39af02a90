"""`python -m auth_service.worker`: the outbox relay and a purge timer (auth consumes no events)."""

from __future__ import annotations

import logging
import threading

from auth_service import service, throttle_policy
from auth_service.config import from_env
from auth_service.consumers import HANDLERS
from auth_service.db import Database
from auth_service.models import inbox, outbox
from auth_service.throttle import ThrottlePolicy
from shared.events import Topology
from shared.events.connection import OUTAGE_ERRORS
from shared.events.worker import Timer, Worker, WorkerSpec
from shared.logs import configure_logging

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 60


def purge_timer(db: Database, policy: ThrottlePolicy) -> Timer:
    """Every minute, forget expired revocations and failures too old to count."""

    def run(stop: threading.Event) -> None:
        while not stop.wait(PURGE_EVERY_SECONDS):
            try:
                purged = service.purge_expired(sessions=db.session, policy=policy)
                if purged:
                    log.info("purged %d expired revocations and old login failures", purged)
            except OUTAGE_ERRORS as exc:  # the database is away: try again next round
                log.warning("purge skipped: %s", exc)

    return run


def main() -> None:
    config = from_env()
    configure_logging("auth_worker", config.log_level)
    db = Database(config.database_url)
    Worker(
        WorkerSpec(
            service="auth",
            engine=db.engine,
            session_factory=db.session,
            outbox=outbox,
            inbox=inbox,
            rabbitmq_url=config.rabbitmq_url,
            topology=Topology(config.event_prefix),
            handlers=HANDLERS,
            health_port=config.worker_health_port,
            timers=[purge_timer(db, throttle_policy(config))],
        )
    ).run()


if __name__ == "__main__":
    main()
