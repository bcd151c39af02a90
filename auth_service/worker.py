"""`python -m auth_service.worker`: the outbox relay (auth consumes no events)."""

from __future__ import annotations

from auth_service.config import from_env
from auth_service.consumers import HANDLERS
from auth_service.db import Database
from auth_service.models import inbox, outbox
from shared.events import Topology
from shared.events.worker import Worker, WorkerSpec
from shared.logs import configure_logging


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
        )
    ).run()


if __name__ == "__main__":
    main()
