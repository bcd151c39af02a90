"""rabbitmq/definitions.json describes exactly the topology shared/events/topology.py declares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts.events_contract import subscriptions
from shared.events.topology import Topology, exchanges, service_queues, shared_queues

ROOT = Path(__file__).resolve().parents[2]
# What each service's dispatch table handles: the code's topology (scripts/events_contract.py).
ROUTING_KEYS = subscriptions()


@pytest.fixture(scope="module")
def definitions() -> dict[str, Any]:
    return json.loads((ROOT / "rabbitmq/definitions.json").read_text())


def declared_queues() -> list[Any]:
    topology = Topology("")
    return shared_queues(topology) + [
        q for service, keys in ROUTING_KEYS.items() for q in service_queues(topology, service, keys)
    ]


def test_definitions_hold_the_exchanges_the_code_declares(definitions: dict[str, Any]) -> None:
    expected = {
        (e.name, e.kind, json.dumps(e.arguments, sort_keys=True)) for e in exchanges(Topology(""))
    }
    found = {
        (e["name"], e["type"], json.dumps(e["arguments"], sort_keys=True))
        for e in definitions["exchanges"]
    }
    assert found == expected
    assert all(
        e["durable"] and not e["auto_delete"] and e["vhost"] == "/"
        for e in definitions["exchanges"]
    )


def test_definitions_hold_the_queues_with_the_same_arguments(definitions: dict[str, Any]) -> None:
    expected = {q.name: q.arguments for q in declared_queues()}
    found = {q["name"]: q["arguments"] for q in definitions["queues"]}
    assert found == expected
    assert all(q["durable"] and not q["auto_delete"] for q in definitions["queues"])


def test_work_queues_are_quorum_with_a_delivery_limit_and_dead_letter_to_their_dead_queue(
    definitions: dict[str, Any],
) -> None:
    queues = {q["name"]: q["arguments"] for q in definitions["queues"]}
    for service in ROUTING_KEYS:
        work = queues[f"{service}.events"]
        assert work["x-queue-type"] == "quorum" and work["x-delivery-limit"] == 10
        assert work["x-dead-letter-exchange"] == "bookstore.dlx"
        assert work["x-dead-letter-routing-key"] == f"{service}.events"
        assert queues[f"{service}.events.retry"]["x-dead-letter-routing-key"] == f"{service}.events"
        assert queues[f"{service}.events.dead"]["x-queue-type"] == "quorum"


def test_definitions_hold_every_binding_and_no_other(definitions: dict[str, Any]) -> None:
    expected = {(ex, q.name, key) for q in declared_queues() for ex, key in q.bindings}
    found = {
        (b["source"], b["destination"], b["routing_key"])
        for b in definitions["bindings"]
        if b["destination_type"] == "queue"
    }
    assert found == expected
    assert ("bookstore.dlx", "catalog.events.dead", "catalog.events") in found


class _AnyCollaborator:
    """Stands in for whatever a dispatch-table builder needs; only the table's keys matter."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def dispatch_table(module: Any) -> dict[str, Any]:
    """A consumers module's table: HANDLERS, or what build_handlers(...) returns."""
    if hasattr(module, "HANDLERS"):
        return dict(module.HANDLERS)
    return dict(module.build_handlers(_AnyCollaborator()))


def test_the_handlers_of_each_service_are_bound_to_its_queue(definitions: dict[str, Any]) -> None:
    from catalog_service import consumers as catalog
    from notification_service import consumers as notification
    from order_service import consumers as order

    bound = {
        (b["destination"], b["routing_key"])
        for b in definitions["bindings"]
        if b["source"] == "bookstore.events"
    }
    for service, module in (("catalog", catalog), ("order", order), ("notification", notification)):
        tables = {service: dispatch_table(module)} | {
            f"{service}.{lane}": table for lane, table in getattr(module, "LANES", {}).items()
        }
        for queue, handlers in tables.items():
            missing = {key for key in handlers if (f"{queue}.events", key) not in bound}
            assert not missing, f"{queue} handles {missing} but definitions.json does not bind them"


def test_definitions_carry_no_user_or_password(definitions: dict[str, Any]) -> None:
    assert "users" not in definitions and "permissions" not in definitions
    # No password value (a routing key may name one: auth.password_reset_requested).
    assert '"password"' not in json.dumps(definitions)


def test_the_node_imports_the_directory_the_entrypoint_fills() -> None:
    conf = dict(
        (key.strip(), value.strip())
        for key, _, value in (
            line.partition("=")
            for line in (ROOT / "rabbitmq/rabbitmq.conf").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        )
    )
    entrypoint = (ROOT / "rabbitmq/docker-entrypoint-bookstore.sh").read_text()
    assert conf["definitions.import_backend"] == "local_filesystem"
    assert f"BOOKSTORE_DEFINITIONS_DIR:-{conf['definitions.local.path']}" in entrypoint
    assert conf["loopback_users.guest"] == "true"


def node_settings() -> dict[str, str]:
    return dict(
        (key.strip(), value.strip())
        for key, _, value in (
            line.partition("=")
            for line in (ROOT / "rabbitmq/rabbitmq.conf").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        )
    )


def test_the_memory_watermark_is_absolute_and_below_the_containers_limit() -> None:
    import yaml

    conf = node_settings()
    assert "vm_memory_high_watermark.relative" not in conf  # a share of the host, not the task
    watermark = conf["vm_memory_high_watermark.absolute"]
    assert watermark.endswith("MiB")
    stack = yaml.safe_load((ROOT / "swarm/stack.yml").read_text())
    limit = stack["x-rabbitmq"]["deploy"]["resources"]["limits"]["memory"]
    assert limit.endswith("G")
    # Room above the watermark: the node's own processes and quorum-queue WAL buffers.
    assert int(watermark[:-3]) <= 0.65 * int(limit[:-1]) * 1024


def test_permissions_name_only_the_topology_and_each_user_once() -> None:
    permissions = json.loads((ROOT / "rabbitmq/permissions.json").read_text())
    assert [p["user"] for p in permissions] == [
        "auth",
        "catalog",
        "order",
        "notification",
        "gateway",
    ]
    topology = Topology("")
    known = {e.name for e in exchanges(topology)} | {q.name for q in declared_queues()}
    known |= {"bookstore.nudge", "amq.default", "amq.gen-.*"}
    for entry in permissions:
        for kind in ("configure", "write", "read"):
            names = entry[kind].removeprefix("^(").removesuffix(")$").split("|")
            unknown = {n.replace("\\.", ".") for n in names} - known
            assert not unknown, f"{entry['user']} {kind}: {unknown}"
    consumers = {p["user"]: p["read"] for p in permissions}
    assert "order\\.events" not in consumers["catalog"] + consumers["auth"] + consumers["gateway"]
    assert "bookstore\\.events|" not in next(
        p["write"] for p in permissions if p["user"] == "gateway"
    )
