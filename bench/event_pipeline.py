"""Event pipeline throughput: outbox relay and consumer (inbox included) vs raw pika.

    .venv/bin/python -m bench.event_pipeline [--events 5000]

Every figure comes from the same run on the same broker and database; the ratios are what
matter (the machine sets the absolute numbers).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid

import pika
from sqlalchemy import text

from shared.db import ensure_database
from shared.events import Topology, add_event, new_event
from shared.events.outbox import properties_for
from shared.events.topology import declare, service_queues
from tests.support.eventkit import (
    EVENT_TYPE,
    effect_counts,
    make_consumer,
    make_relay,
    make_schema,
    outbox,
    running,
    wait_until,
)

SERVER = "mysql+pymysql://root@127.0.0.1:3306/"
AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"


def raw_pika(
    channel: pika.adapters.blocking_connection.BlockingChannel,
    queue: str,
    bodies: list[tuple[str, bytes]],
    topology: Topology,
) -> tuple[float, float]:
    """Publish with confirms, then consume with manual acks: (publish/s, consume/s)."""
    started = time.perf_counter()
    for event_id, body in bodies:
        channel.basic_publish(
            topology.exchange,
            "raw.happened",
            body,
            properties_for(event_id, "raw.happened", None),
            mandatory=True,
        )
    publish_rate = len(bodies) / (time.perf_counter() - started)
    channel.basic_qos(prefetch_count=20)
    started, seen = time.perf_counter(), 0
    for method, _, _ in channel.consume(queue, inactivity_timeout=5):
        if method is None:
            break
        channel.basic_ack(method.delivery_tag)
        seen += 1
        if seen == len(bodies):
            break
    channel.cancel()
    return publish_rate, seen / (time.perf_counter() - started)


def pipeline(count: int) -> dict[str, float]:
    database = f"bookstore_bench_{uuid.uuid4().hex[:6]}"

    ensure_database(f"{SERVER}{database}")
    engine, sessions = make_schema(f"{SERVER}{database}")
    topology = Topology(f"bench.{uuid.uuid4().hex[:6]}.")
    events = [new_event(EVENT_TYPE, {"key": str(n)}, producer="bench") for n in range(count)]
    connection = pika.BlockingConnection(pika.URLParameters(AMQP))
    channel = connection.channel()
    declare(channel, topology, service_queues(topology, "test", [EVENT_TYPE]))
    raw_queue = channel.queue_declare(queue="", exclusive=True).method.queue
    channel.queue_bind(raw_queue, topology.exchange, "raw.happened")
    channel.confirm_delivery()
    try:
        raw_publish, raw_consume = raw_pika(
            channel, raw_queue, [(e.id, e.to_json().encode()) for e in events], topology
        )
        with sessions.begin() as session:
            for event in events:
                add_event(session, outbox, event)
        stop = threading.Event()
        relay = make_relay(engine=engine, url=AMQP, topology=topology, stop=stop)
        started = time.perf_counter()
        with running(relay.run, stop=stop):
            wait_until(lambda: relay.published >= count, timeout=600, every=0.02)
        relay_rate = relay.published / (time.perf_counter() - started)
        stop = threading.Event()
        consumer = make_consumer(sessions=sessions, url=AMQP, topology=topology, stop=stop)
        started = time.perf_counter()
        with running(consumer.run, stop=stop):
            wait_until(lambda: len(effect_counts(engine)) >= count, timeout=600, every=0.05)
        apply_rate = len(effect_counts(engine)) / (time.perf_counter() - started)
    finally:
        for queue in (
            topology.queue("test"),
            topology.retry_queue("test"),
            topology.dead_queue("test"),
            topology.unrouted,
        ):
            channel.queue_delete(queue=queue)
        connection.close()
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE `{database}`"))
        engine.dispose()
    return {
        "events": count,
        "raw_publish_per_s": raw_publish,
        "relay_publish_per_s": relay_rate,
        "relay_vs_raw": relay_rate / raw_publish,
        "raw_consume_per_s": raw_consume,
        "consumer_apply_per_s": apply_rate,
        "apply_vs_raw": apply_rate / raw_consume,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    figures = pipeline(parser.parse_args().events)
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}, indent=2))
    print("\n| stage | events/s | raw pika events/s | ratio |\n|---|---|---|---|")
    print(
        f"| outbox relay publish (confirms) | {figures['relay_publish_per_s']:.0f} | "
        f"{figures['raw_publish_per_s']:.0f} | {figures['relay_vs_raw']:.2f} |"
    )
    print(
        f"| consumer apply (inbox + handler + ack) | {figures['consumer_apply_per_s']:.0f} | "
        f"{figures['raw_consume_per_s']:.0f} | {figures['apply_vs_raw']:.2f} |"
    )


if __name__ == "__main__":
    main()
