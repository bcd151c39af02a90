"""`python -m catalog_service.worker`: the outbox relay , the consumers and timers."""

from __future__ import annotations

from catalog_service.config import from_env
from catalog_service.consumers import HANDLERS
from catalog_service.db import Database
from catalog_service.models import inbox, outbox
from shared.events import Topology
from shared.events.worker import Worker, WorkerSpec
from shared.logs import configure_logging


def main() -> None:
    config = from_env()
    configure_logging("catalog_worker", config.log_level)
    db = Database(config.database_url)
    Worker(
        WorkerSpec(
            service="catalog",
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
