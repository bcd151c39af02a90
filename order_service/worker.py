"""`python -m order_service.worker`: the outbox relay, the consumers and the shipping timers."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from order_service.config import from_env
from order_service.consumers import LANES, Saga, build_handlers
from order_service.db import Database
from order_service.models import inbox, outbox
from order_service.payments import SimulatedProvider
from order_service.shipment_timers import ShipmentTimerSettings, shipment_timer
from order_service.timers import TimerSettings, shipping_timer
from shared.db import make_engine
from shared.events import Topology
from shared.events.worker import Worker, WorkerSpec
from shared.logs import configure_logging


def main() -> None:
    config = from_env()
    configure_logging("order_worker", config.log_level)
    db = Database(config.database_url)
    # READ COMMITTED for handlers and timers: they lock the rows they change (orders FOR UPDATE,
    # book upserts) and need no gap locks, which made the two replicas' batches deadlock. Their
    # own pool, whose connections are READ COMMITTED from the start: no SET before and after
    # every transaction (two round trips of each saga step).
    sessions = sessionmaker(
        make_engine(config.database_url, isolation_level="READ COMMITTED"), expire_on_commit=False
    )
    provider = SimulatedProvider(db.engine)
    saga = Saga(provider, config.shipping_delay_seconds, config.fulfilment)
    timers = TimerSettings(provider, config.delivery_delay_seconds)
    shipment_timers = ShipmentTimerSettings(provider, config.fulfilment)
    Worker(
        WorkerSpec(
            service="order",
            engine=db.engine,
            session_factory=sessions,
            outbox=outbox,
            inbox=inbox,
            rabbitmq_url=config.rabbitmq_url,
            topology=Topology(config.event_prefix),
            handlers=build_handlers(saga),
            lanes=LANES,
            health_port=config.worker_health_port,
            timers=[
                shipping_timer(sessions, timers, poll=config.timer_poll_seconds),
                shipment_timer(sessions, shipment_timers, poll=config.timer_poll_seconds),
            ],
        )
    ).run()


if __name__ == "__main__":
    main()
