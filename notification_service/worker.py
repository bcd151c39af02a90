"""`python -m notification_service.worker`: the consumers, the outbox relay and the mail loop."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from notification_service.config import Config, from_env
from notification_service.consumers import Notifier, build_handlers
from notification_service.db import Database
from notification_service.mailer import SmtpSettings, mail_loop
from notification_service.models import inbox, outbox
from shared.events import Topology
from shared.events.worker import Worker, WorkerSpec
from shared.logs import configure_logging


def smtp_settings(config: Config) -> SmtpSettings:
    return SmtpSettings(
        url=config.smtp_url,
        sender=config.mail_from,
        retry_base=config.mail_retry_base_seconds,
        retry_cap=config.mail_retry_cap_seconds,
        max_attempts=config.mail_max_attempts,
    )


def main() -> None:
    config = from_env()
    configure_logging("notification_worker", config.log_level)
    db = Database(config.database_url)
    sessions = sessionmaker(
        db.engine.execution_options(isolation_level="READ COMMITTED"), expire_on_commit=False
    )
    Worker(
        WorkerSpec(
            service="notification",
            engine=db.engine,
            session_factory=sessions,
            outbox=outbox,
            inbox=inbox,
            rabbitmq_url=config.rabbitmq_url,
            topology=Topology(config.event_prefix),
            handlers=build_handlers(Notifier(config.public_url)),
            health_port=config.worker_health_port,
            timers=[mail_loop(sessions, smtp_settings(config), poll=config.mail_poll_seconds)],
        )
    ).run()


if __name__ == "__main__":
    main()
