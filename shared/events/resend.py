"""`python -m shared.events outbox resend`: publish again the events sent in a time window.

RabbitMQ holds the only copy of an event between its publication (the outbox row is then marked
sent) and its consumption. If the broker's data is lost (a node rebuilt on an empty volume, a
cluster restored from an old backup), events sent in that window never reach their consumers.
The outbox keeps sent rows for its retention (7 days), so an operator re-sends the window: every
consumer records processed event ids in its inbox, so the events it already applied are skipped
and only the lost ones take effect. Rows are left as they are (still sent, same time).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

import pika
from sqlalchemy import Engine, MetaData, Table, create_engine, select

from shared.events.config import EventsConfig
from shared.events.connection import connect
from shared.events.outbox import properties_for
from shared.events.publisher import ConfirmingPublisher, Message
from shared.events.tables import outbox_table
from shared.events.topology import Topology, declare

PRODUCING_SERVICES = ("auth", "catalog", "order")


def resend_window(
    *,
    engine: Engine,
    outbox: Table,
    connection: pika.BlockingConnection,
    topology: Topology,
    since: datetime,
    until: datetime,
    batch_size: int = 500,
) -> int:
    """Publish every row sent in [since, until) again, in id order, with confirms; the count."""
    declare(connection.channel(), topology)
    publisher = ConfirmingPublisher(connection)
    resent, after = 0, 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(outbox.c.id, outbox.c.event_id, outbox.c.event_type)
                .add_columns(outbox.c.correlation_id, outbox.c.payload)
                .where(outbox.c.sent_at >= since, outbox.c.sent_at < until, outbox.c.id > after)
                .order_by(outbox.c.id)
                .limit(batch_size)
            ).all()
        if not rows:
            return resent
        messages = [
            Message(
                row.id,
                topology.exchange,
                row.event_type,
                row.payload.encode("utf-8"),
                properties_for(row.event_id, row.event_type, row.correlation_id, {"x-resent": 1}),
            )
            for row in rows
        ]
        confirmed = publisher.publish(messages)
        resent += len(confirmed)
        if len(confirmed) < len(rows):
            raise pika.exceptions.AMQPError(f"the broker refused event {rows[len(confirmed)][1]}")
        after = rows[-1].id


def utc(text: str) -> datetime:
    """An ISO 8601 time (naive = UTC) as the naive UTC the outbox stores."""
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def add_command(outbox_actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`outbox resend --service S --since T1 --until T2` on the operator CLI."""
    parser = outbox_actions.add_parser(
        "resend", help="publish again the events sent between two times (ISO 8601, UTC)"
    )
    parser.add_argument("--service", choices=PRODUCING_SERVICES, action="append", required=True)
    parser.add_argument("--since", type=utc, required=True)
    parser.add_argument("--until", type=utc, default=None, help="default: now")


def run(config: EventsConfig, args: argparse.Namespace) -> int:
    until = args.until or datetime.now(UTC).replace(tzinfo=None)
    if until <= args.since:
        raise SystemExit("outbox resend: --until must be after --since")
    topology = Topology(config.event_prefix)
    connection = connect(config.rabbitmq_url, name="outbox-resend-cli")
    try:
        for service in args.service:
            engine = create_engine(config.database_urls[service])
            try:
                count = resend_window(
                    engine=engine,
                    outbox=outbox_table(MetaData()),
                    connection=connection,
                    topology=topology,
                    since=args.since,
                    until=until,
                )
            finally:
                engine.dispose()
            window = {"since": args.since.isoformat() + "Z", "until": until.isoformat() + "Z"}
            print(json.dumps({"service": service, "resent": count, **window}))
    finally:
        connection.close()
    return 0
