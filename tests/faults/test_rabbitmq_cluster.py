"""RabbitMQ as a 3-node cluster (issue 14 item 6): the whole system connected to three local
nodes (RABBITMQ_URL lists them; each process takes any live one), quorum queues replicated to
all three, checkout load while one node is stopped and brought back: nothing lost, nothing
applied twice, the invariant checker holds."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator

import pytest

from scripts.keys import ensure_key_pair
from scripts.stack import ROOT, SERVICES, Ports, ProcessGroup, migrate_all, process_specs, stack_env
from shared.events import Topology
from tests.faults.conftest import BUYERS, Shop
from tests.faults.test_faults_under_checkout_load import assert_nothing_lost, run_under_load
from tests.support import cluster
from tests.support.invariants import Databases
from tests.support.namespace import RUN_ID
from tests.support.ports import free_port_base
from tests.support.system import System, auth_header

pytestmark = [
    pytest.mark.faults,
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(not cluster.available(), reason="RabbitMQ is not installed on this machine"),
]


@pytest.fixture(scope="module")
def nodes() -> Iterator[list[cluster.Node]]:
    with cluster.local_cluster() as found:
        yield found


@pytest.fixture(scope="module")
def cluster_shop(
    nodes: list[cluster.Node], database_factory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    """The whole system (one api and one worker per service) on the cluster."""
    ports = Ports.offset(free_port_base(1))
    keys = tmp_path_factory.mktemp("cluster-keys")
    ensure_key_pair(keys / "jwt_private.pem", keys / "jwt_public.pem")
    extra = {
        **{f"{s.upper()}_DATABASE_URL": database_factory(f"cl_{s}") for s in SERVICES},
        "RABBITMQ_URL": ",".join(node.url for node in nodes),
        "EVENT_PREFIX": f"{RUN_ID}.cl.",
        "JWT_PRIVATE_KEY_FILE": str(keys / "jwt_private.pem"),
        "JWT_PUBLIC_KEY_FILE": str(keys / "jwt_public.pem"),
        "ARGON2_PROFILE": "test",
        "SHIPPING_DELAY_SECONDS": "2",
        "DELIVERY_DELAY_SECONDS": "2",
        "COVERS_DIR": str(tmp_path_factory.mktemp("cluster-covers")),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "8",
    }
    env = stack_env(ports, extra)
    migrate_all(env)
    group = ProcessGroup(process_specs(ports, env), log_dir=ROOT / "var/log/cluster" / RUN_ID)
    group.start(timeout=180)
    system = System(
        gateway_url=f"http://127.0.0.1:{ports.gateway}",
        frontend_url=f"http://127.0.0.1:{ports.frontend}",
        ports=ports,
        env=env,
        group=group,
        prefix=extra["EVENT_PREFIX"],
    )
    dbs = Databases(env["CATALOG_DATABASE_URL"], env["ORDER_DATABASE_URL"])
    try:
        _, seller = system.register_and_login("Cluster Seller")
        buyers = [system.register_and_login(f"Cluster Buyer {i}")[1] for i in range(BUYERS)]
        shop = Shop(system, auth_header(seller), buyers, dbs)
        shop.dead_letters = lambda: _dead_letters(nodes[0], system.prefix)  # type: ignore[method-assign]
        yield shop
    finally:
        dbs.close()
        group.stop()


def _dead_letters(node: cluster.Node, prefix: str) -> dict[str, int]:
    depths = _queues(node)
    topology = Topology(prefix)
    return {
        s: depths[topology.dead_queue(s)]["messages"] for s in ("catalog", "order", "order.books")
    }


def _queues(node: cluster.Node) -> dict[str, dict]:
    out = cluster.ctl(node, "list_queues", "name", "type", "messages", "--formatter", "json", "-q")
    return {q["name"]: q for q in json.loads(out)}


def _busiest(nodes: list[cluster.Node]) -> tuple[cluster.Node, int]:
    """The node most of the system's connections are on (stopping it moves the most clients)."""
    out = cluster.ctl(nodes[0], "list_connections", "port", "--formatter", "json", "-q")
    ports = [c["port"] for c in json.loads(out)]
    return max(((n, ports.count(n.port)) for n in nodes), key=lambda pair: pair[1])


def _members(node: cluster.Node, queue: str) -> int:
    out = subprocess.run(
        ["rabbitmq-queues", "-n", node.name, "quorum_status", queue, "--formatter", "json"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    return len(json.loads(out))


def test_the_work_queues_are_quorum_queues_replicated_to_the_three_nodes(
    nodes: list[cluster.Node], cluster_shop: Shop
) -> None:
    queues = _queues(nodes[0])
    topology = Topology(cluster_shop.system.prefix)
    for service in ("catalog", "order"):
        assert queues[topology.queue(service)]["type"] == "quorum"
        assert _members(nodes[0], topology.queue(service)) == 3


def test_a_node_stopped_and_brought_back_under_checkout_load_loses_and_doubles_nothing(
    nodes: list[cluster.Node], cluster_shop: Shop
) -> None:
    victim, clients = _busiest(nodes)
    assert clients > 0

    def stop_and_restart_a_node() -> None:
        cluster.stop(victim)
        time.sleep(8)  # checkouts go on: every process is on, or moves to, a live node
        cluster.start(victim)

    load = run_under_load(cluster_shop, stop_and_restart_a_node, after=12.0)
    assert_nothing_lost(cluster_shop, load)
    running = cluster.ctl(nodes[0], "cluster_status", "--formatter", "json")
    assert set(json.loads(running)["running_nodes"]) == {n.name for n in nodes}
