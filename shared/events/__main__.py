"""Operator commands: `python -m shared.events dlq list|replay`, `outbox status|resend`."""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import MetaData, create_engine

from shared.events import resend
from shared.events.config import EventsConfig, from_env
from shared.events.connection import connect
from shared.events.dlq import list_dead_letters, replay_dead_letters
from shared.events.outbox import backlog
from shared.events.tables import outbox_table
from shared.events.topology import Topology

# Every work queue's name (a service, or a service's lane: shared/events/worker.py).
CONSUMING_SERVICES = ("catalog", "order", "order.books", "notification")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.events")
    sub = parser.add_subparsers(dest="command", required=True)
    dlq = sub.add_parser("dlq", help="dead letters").add_subparsers(dest="action", required=True)
    for action in ("list", "replay"):
        p = dlq.add_parser(action)
        p.add_argument(
            "--service",
            action="append",
            help="a work queue's name: catalog, order, order.books or notification (default: all)",
        )
        if action == "replay":
            p.add_argument("--id", dest="message_id", help="replay only this event id")
    outbox = sub.add_parser("outbox").add_subparsers(dest="action", required=True)
    outbox.add_parser("status").add_argument(
        "--service", choices=("auth", "catalog", "order"), action="append"
    )
    resend.add_command(outbox)
    args = parser.parse_args(argv)
    config = from_env()
    if args.command == "outbox" and args.action == "resend":
        return resend.run(config, args)
    if args.command == "outbox":
        return _outbox_status(config, args.service or ["auth", "catalog", "order"])
    return _dlq(
        config,
        args.action,
        args.service or list(CONSUMING_SERVICES),
        getattr(args, "message_id", None),
    )


def _dlq(config: EventsConfig, action: str, services: list[str], message_id: str | None) -> int:
    topology = Topology(config.event_prefix)
    connection = connect(config.rabbitmq_url, name="dlq-cli")
    try:
        for service in services:
            if action == "replay":
                count = replay_dead_letters(connection, topology, service, message_id)
                print(f"{service}: replayed {count} message(s) to {topology.queue(service)}")
                continue
            letters = list_dead_letters(connection, topology, service)
            print(f"{service}: {len(letters)} dead letter(s) in {topology.dead_queue(service)}")
            for letter in letters:
                print(
                    json.dumps(
                        {
                            "id": letter.message_id,
                            "type": letter.type,
                            "reason": letter.reason,
                            "attempts": letter.attempts,
                            "error": letter.error,
                        },
                        default=str,
                    )
                )
    finally:
        connection.close()
    return 0


def _outbox_status(config: EventsConfig, services: list[str]) -> int:
    for service in services:
        engine = create_engine(config.database_urls[service])
        with engine.connect() as conn:
            print(json.dumps({"service": service, **backlog(conn, outbox_table(MetaData()))}))
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
