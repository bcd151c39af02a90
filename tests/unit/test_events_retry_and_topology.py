from shared.events.retry import Backoff, RetryPolicy
from shared.events.topology import Topology, declare, service_queues


def test_backoff_doubles_from_its_base_up_to_its_cap():
    backoff = Backoff(base=0.5, cap=4.0, jitter=False)
    assert [backoff.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_jittered_backoff_stays_between_half_and_all_of_the_ceiling():
    backoff = Backoff(base=1.0, cap=8.0)
    assert all(2.0 <= backoff.delay(3) <= 4.0 for _ in range(200))


def test_a_failed_message_is_retried_until_its_last_attempt_then_dead_lettered():
    policy = RetryPolicy(max_attempts=3, backoff=Backoff(base=1.0, cap=10.0, jitter=False))
    assert policy.next_step(1) == ("retry", 1.0)
    assert policy.next_step(2) == ("retry", 2.0)
    assert policy.next_step(3) == ("dead_letter", 0.0)


def test_a_service_queue_is_quorum_with_a_delivery_limit_and_dead_letters_to_its_dead_queue():
    topology = Topology()
    work, retry, dead = service_queues(topology, "catalog", ["order.placed"], delivery_limit=7)
    assert work.name == "catalog.events"
    assert work.arguments == {
        "x-queue-type": "quorum",
        "x-delivery-limit": 7,
        "x-dead-letter-exchange": "bookstore.dlx",
        "x-dead-letter-routing-key": "catalog.events",
    }
    assert work.bindings == (("bookstore.events", "order.placed"),)
    assert retry.arguments["x-dead-letter-exchange"] == ""  # expired retries go straight back
    assert retry.arguments["x-dead-letter-routing-key"] == "catalog.events"
    assert dead.name == "catalog.events.dead"
    assert dead.bindings == (("bookstore.dlx", "catalog.events"),)


def test_a_prefix_renames_every_exchange_and_queue():
    topology = Topology("t1.")
    names = [
        topology.exchange,
        topology.dead_letter_exchange,
        topology.unrouted,
        topology.queue("order"),
        topology.dead_queue("order"),
    ]
    assert all(name.startswith("t1.") for name in names)


class RecordingChannel:
    """A fake pika channel that records declarations."""

    def __init__(self):
        self.calls = []

    def exchange_declare(self, **kwargs):
        self.calls.append(
            (
                "exchange",
                kwargs["exchange"],
                kwargs["exchange_type"],
                kwargs["durable"],
                kwargs["arguments"],
            )
        )

    def queue_declare(self, **kwargs):
        self.calls.append(("queue", kwargs["queue"], kwargs["durable"]))

    def queue_bind(self, **kwargs):
        self.calls.append(("bind", kwargs["queue"], kwargs["exchange"], kwargs["routing_key"]))


def test_declaring_the_topology_makes_durable_exchanges_before_the_queues_bound_to_them():
    channel = RecordingChannel()
    declare(channel, Topology(), service_queues(Topology(), "order", ["book.created"]))
    kinds = [call[0] for call in channel.calls]
    assert kinds.index("queue") > max(i for i, k in enumerate(kinds) if k == "exchange")
    assert (
        "exchange",
        "bookstore.events",
        "topic",
        True,
        {"alternate-exchange": "bookstore.unrouted"},
    ) in channel.calls
    assert ("bind", "order.events", "bookstore.events", "book.created") in channel.calls
    assert all(call[2] is True for call in channel.calls if call[0] == "queue")


def test_declaring_twice_issues_the_same_declarations():
    first, second = RecordingChannel(), RecordingChannel()
    for channel in (first, second):
        declare(channel, Topology(), service_queues(Topology(), "order", ["book.created"]))
    assert first.calls == second.calls


def test_a_component_that_fails_by_surprise_is_restarted_not_left_dead():
    import threading

    from shared.events.connection import run_with_reconnect

    stop, calls, downs = threading.Event(), [], []

    def session():
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("a bug, not an outage")
        if len(calls) == 2:
            raise ConnectionError("the broker went away")
        stop.set()

    run_with_reconnect(
        session,
        stop=stop,
        what="test",
        backoff=Backoff(0.001, 0.001),
        on_down=lambda: downs.append(1),
    )
    assert len(calls) == 3 and len(downs) == 2
