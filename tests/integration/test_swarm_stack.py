"""swarm/stack.yml, as `docker stack config` renders it, holds the deployment's invariants."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.swarm import ROOT, STACK, render, run_stack_config

BROKERS = ("rabbitmq-1", "rabbitmq-2", "rabbitmq-3")
STATEFUL = {"auth-db", "catalog-db", "order-db", "notification-db", *BROKERS, "prometheus"}
SERVICES = ("auth", "catalog", "order", "notification")
OURS = {"frontend", "gateway", *(f"{s}-{r}" for s in SERVICES for r in ("api", "worker"))}
SECRET_NAME = re.compile(r"(^|_)(PASSWORD|SECRET|COOKIE|PRIVATE_KEY|TOKEN|CREDENTIALS?)(_|$)")
# Who reads each service's secrets inside its container: our images' user, MariaDB's, or root
# (nginx's master and the broker's entrypoint read them before dropping privileges).
SECRET_OWNERS = {"edge": "0", "auth-db": "999", "catalog-db": "999"} | dict.fromkeys(BROKERS, "0")
SECRET_OWNERS |= {"order-db": "999", "notification-db": "999", "grafana": "472"} | dict.fromkeys(
    OURS, "10001"
)


@pytest.fixture(scope="module")
def stack() -> dict[str, Any]:
    return render()


@pytest.fixture(scope="module")
def services(stack: dict[str, Any]) -> dict[str, Any]:
    return stack["services"]


def stateless(services: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in services.items() if name not in STATEFUL}


def seconds(duration: str) -> int:
    """A Go duration as docker renders it (10m0s, 1m30s, 45s) in seconds."""
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([hms])", duration))


def test_the_stack_has_every_part_of_the_system(services: dict[str, Any]) -> None:
    assert OURS | STATEFUL | {"edge"} <= set(services)


def test_every_service_has_a_health_check(services: dict[str, Any]) -> None:
    for name, service in services.items():
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), name
        assert check["test"][0] in ("CMD", "CMD-SHELL") and check["test"] != ["NONE"], name
        assert "interval" in check and "retries" in check, name


def test_every_service_has_a_worker_beside_its_api_from_the_same_image(
    services: dict[str, Any],
) -> None:
    for name in SERVICES:
        api, worker = services[f"{name}-api"], services[f"{name}-worker"]
        assert api["image"] == worker["image"], name
        assert api["command"] == ["api"] and worker["command"] == ["worker"], name


def test_stateless_services_update_start_first_and_roll_back_on_failure(
    services: dict[str, Any],
) -> None:
    for name, service in stateless(services).items():
        update, rollback = service["deploy"]["update_config"], service["deploy"]["rollback_config"]
        assert update["failure_action"] == "rollback", name
        assert update["monitor"] not in (None, "0s"), name
        assert rollback["parallelism"] >= 1, name
        # The edge binds host ports, which two tasks on one node cannot share (see stack.yml).
        assert update["order"] == ("stop-first" if name == "edge" else "start-first"), name


def test_stateful_services_stop_first_keep_a_volume_and_are_pinned_to_a_node(
    services: dict[str, Any],
) -> None:
    data_dirs = {"prometheus": "/prometheus"} | dict.fromkeys(BROKERS, "/var/lib/rabbitmq")
    hosts = {f"rabbitmq-{n}": f"broker-{n}" for n in (1, 2, 3)}
    volumes = set()
    for name in STATEFUL:
        service = services[name]
        assert service["deploy"]["update_config"]["order"] == "stop-first", name
        assert service["deploy"]["replicas"] == 1, name
        targets = {v["target"]: v for v in service["volumes"]}
        volume = targets[data_dirs.get(name, "/var/lib/mysql")]
        assert volume["type"] == "volume" and volume["source"], name
        volumes.add(volume["source"])
        # By identity: a label could be put on a second node, and the data would fork there.
        host = hosts.get(name, "data-1")
        assert service["deploy"]["placement"]["constraints"] == [f"node.hostname == {host}"], name
    assert len(volumes) == len(STATEFUL)  # no two stateful services share a volume


def test_rabbitmq_is_a_three_node_cluster_that_every_process_knows_whole(
    stack: dict[str, Any], services: dict[str, Any]
) -> None:
    nodes = {services[name]["hostname"] for name in BROKERS}
    assert nodes == set(BROKERS)  # the hostname is the node name: rabbit@rabbitmq-N
    for name in BROKERS:
        targets = {c["target"]: c["source"] for c in services[name]["configs"]}
        cluster = stack["configs"][targets["/etc/rabbitmq/conf.d/20-cluster.conf"]]
        listed = re.findall(
            r"^cluster_formation\.classic_config\.nodes\.\d+ = rabbit@(\S+)$",
            Path(cluster["file"]).read_text(),
            re.M,
        )
        assert sorted(listed) == sorted(BROKERS), name
    for name in OURS - {"frontend"}:
        urls = services[name]["environment"]["RABBITMQ_URL"].split(",")
        assert sorted(urlsplit(url).hostname for url in urls) == sorted(BROKERS), name


def test_the_queues_that_hold_events_are_quorum_queues_replicated_by_the_cluster() -> None:
    """Work and dead-letter queues hold the events: quorum, on all three nodes. The retry delay
    queues and the unrouted keeper stay classic (durable, on one node's disk; README.md)."""
    definitions = json.loads((ROOT / "rabbitmq/definitions.json").read_text())
    holding = [q for q in definitions["queues"] if q["name"].endswith((".events", ".dead"))]
    assert len(holding) == 8  # catalog, order, order.books and notification: work and dead
    assert all(q["arguments"]["x-queue-type"] == "quorum" for q in holding)
    cluster = (ROOT / "rabbitmq/cluster.conf").read_text()
    assert "quorum_queue.continuous_membership_reconciliation.target_group_size = 3" in cluster


def test_the_catalogue_follows_its_local_covers_to_the_data_node(services: dict[str, Any]) -> None:
    for name in ("catalog-api", "catalog-worker"):
        constraints = services[name]["deploy"]["placement"]["constraints"]
        assert constraints == ["node.hostname == data-1"], name


def test_the_stack_refuses_to_render_without_registry_version_or_data_node() -> None:
    complete = {
        "BOOKSTORE_REGISTRY": "registry.example.com/bs",
        "BOOKSTORE_VERSION": "1.4.2",
        "BOOKSTORE_DATA_NODE": "data-1",
        "COVERS_PLACEMENT": "node.hostname == data-1",
        **{f"BOOKSTORE_BROKER_NODE_{n}": f"broker-{n}" for n in (1, 2, 3)},
    }
    for missing in complete:
        env = {k: v for k, v in complete.items() if k != missing}
        result = run_stack_config(STACK, **env)
        assert result.returncode != 0, f"rendered without {missing}"
        assert missing in result.stderr, result.stderr


def test_every_service_has_limits_a_restart_policy_and_scaled_out_replicas(
    services: dict[str, Any],
) -> None:
    for name, service in services.items():
        deploy = service["deploy"]
        assert deploy["resources"]["limits"]["cpus"], name
        assert deploy["resources"]["limits"]["memory"], name
        assert deploy["restart_policy"]["condition"] == "any", name
        if name in OURS:
            assert deploy["replicas"] >= 2, name


def test_our_services_run_read_only_without_capabilities_and_with_a_pids_limit(
    services: dict[str, Any],
) -> None:
    for name in OURS | {"edge"}:
        service = services[name]
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert 0 < service["deploy"]["resources"]["limits"]["pids"] <= 1024, name
        tmpfs = {v["target"] for v in service["volumes"] if v["type"] == "tmpfs"}
        assert "/tmp" in tmpfs, name
    assert set(services["edge"]["cap_add"]) == {"CHOWN", "SETGID", "SETUID", "NET_BIND_SERVICE"}
    assert not any(services[name].get("cap_add") for name in OURS)


def test_every_secret_is_mounted_read_only_for_its_reader_alone(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for secret in service.get("secrets", []):
            assert secret.get("mode") == 0o400, f"{name}: {secret['source']}"
            assert secret.get("uid") == SECRET_OWNERS[name], f"{name}: {secret['source']}"


def test_images_are_pinned_and_ours_carry_the_registry_and_the_release_version(
    services: dict[str, Any],
) -> None:
    for name, service in services.items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", image
        if name in OURS:
            assert image.startswith("registry.example.com/bs/") and tag == "1.4.2", image
        else:
            assert re.match(r"^v?\d+\.\d+\.\d+", tag), f"{name}: pin an exact version: {image}"


def test_third_party_images_are_current_release_lines(services: dict[str, Any]) -> None:
    versions = {name: services[name]["image"].split(":")[1] for name in ("edge", "rabbitmq-1")}
    assert re.match(r"1\.(2[89]|[3-9]\d)\.\d+-alpine$", versions["edge"])  # nginx stable
    assert versions["rabbitmq-1"].startswith("4.")
    for name in ("auth-db", "catalog-db", "order-db"):
        assert re.match(r"mariadb:(11\.4|11\.8)\.\d+$", services[name]["image"]), name  # LTS


def test_no_secret_travels_in_a_plain_environment_variable(services: dict[str, Any]) -> None:
    for name, service in services.items():
        mounted = {
            f"/run/secrets/{s.get('target') or s['source']}" for s in service.get("secrets", [])
        }
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                assert key.endswith("_FILE"), f"{name}: {key} must be a *_FILE variable"
            if key.endswith("_FILE") and value.startswith("/run/secrets/"):
                assert value in mounted, f"{name}: {key} names a secret it does not mount"
            if "://" in (value or ""):
                assert urlsplit(value).password is None, f"{name}: {key} holds a password"


def test_each_service_reaches_the_broker_as_its_own_user(services: dict[str, Any]) -> None:
    users = {}
    for name in OURS - {"frontend"}:
        env = services[name]["environment"]
        user = urlsplit(env["RABBITMQ_URL"]).username
        assert env["RABBITMQ_PASSWORD_FILE"] == f"/run/secrets/rabbitmq_{user}_password", name
        users[name] = user
    assert users == {
        "gateway": "gateway",
        **{f"{s}-{r}": s for s in SERVICES for r in ("api", "worker")},
    }
    assert "RABBITMQ_URL" not in services["frontend"]["environment"]
    for broker in BROKERS:
        seeded = services[broker]["environment"]["BOOKSTORE_RABBITMQ_USERS"].split()
        assert {pair.split("=")[0] for pair in seeded} == set(users.values()), broker


def test_secrets_are_external_and_created_by_the_secrets_script(stack: dict[str, Any]) -> None:
    script = (ROOT / "swarm/create-secrets.sh").read_text()
    for key, secret in stack["secrets"].items():
        assert secret["external"] is True and secret["name"] == f"bookstore_{key}", key
        assert re.search(rf"\b{key}\b", script), f"create-secrets.sh does not create {key}"


def test_the_edge_is_kept_away_from_the_data_tier(
    stack: dict[str, Any], services: dict[str, Any]
) -> None:
    edge_networks = set(services["edge"]["networks"])
    for name in STATEFUL:
        assert not edge_networks & set(services[name]["networks"]), name
    assert set(services["edge"]["networks"]) == {"edge"}
    for network in ("app", "broker", "auth-data", "catalog-data", "order-data"):
        assert stack["networks"][network].get("internal") is True, network


def test_every_overlay_network_is_encrypted_the_edge_included(stack: dict[str, Any]) -> None:
    for name, network in stack["networks"].items():
        assert network["driver"] == "overlay", name
        assert network.get("driver_opts", {}).get("encrypted") == "true", name


def test_each_database_is_reachable_only_by_its_own_service(services: dict[str, Any]) -> None:
    for owner in SERVICES:
        network = f"{owner}-data"
        members = {name for name, s in services.items() if network in s["networks"]}
        assert members == {f"{owner}-db", f"{owner}-api", f"{owner}-worker"}, network


def test_the_edge_publishes_https_and_http_on_host_ports_from_the_template(
    services: dict[str, Any],
) -> None:
    edge = services["edge"]
    assert {(p["target"], p["published"], p["mode"]) for p in edge["ports"]} == {
        (80, 80, "host"),
        (443, 443, "host"),
    }
    assert edge["configs"][0]["target"] == "/etc/nginx/templates/default.conf.template"
    env = edge["environment"]
    template = (ROOT / "swarm/edge/default.conf.template").read_text()
    used = set(re.findall(r"\$\{(EDGE_[A-Z_]+)\}", template))
    assert used == {k for k in env if k.startswith("EDGE_")}
    assert env["EDGE_TLS_CERT"] == "/run/secrets/edge_tls_cert"
    assert env["EDGE_RESOLVER"] == "127.0.0.11"  # Docker's embedded DNS


def test_rabbitmq_has_a_fixed_hostname_its_definitions_and_its_users_from_secrets(
    stack: dict[str, Any], services: dict[str, Any]
) -> None:
    rabbit = services["rabbitmq-1"]
    assert rabbit["hostname"] == "rabbitmq-1"
    targets = {c["target"]: c["source"] for c in rabbit["configs"]}
    for target in ("definitions.json", "permissions.json"):
        config = stack["configs"][targets[f"/etc/rabbitmq/{target}"]]
        assert config["file"].endswith(f"rabbitmq/{target}")
    mounted = {f"/run/secrets/{s['source']}" for s in rabbit["secrets"]}
    for pair in rabbit["environment"]["BOOKSTORE_RABBITMQ_USERS"].split():
        assert pair.split("=")[1] in mounted, pair
    assert rabbit["environment"]["BOOKSTORE_ERLANG_COOKIE_FILE"] in mounted
    for config in stack["configs"].values():
        assert Path(config["file"]).is_file(), config


def test_each_config_object_is_versioned_by_a_variable_of_its_own() -> None:
    versions = {
        "EDGE_TEMPLATE_CONFIG_VERSION": "e1",
        "RABBITMQ_CONF_CONFIG_VERSION": "c2",
        "RABBITMQ_DEFINITIONS_CONFIG_VERSION": "d3",
        "RABBITMQ_PERMISSIONS_CONFIG_VERSION": "p4",
        "RABBITMQ_CLUSTER_CONFIG_VERSION": "k7",
        "RABBITMQ_ENTRYPOINT_CONFIG_VERSION": "s5",
        "MONITORING_CONFIG_VERSION": "m6",
    }
    configs = render(**versions)["configs"]
    suffixes = {key: config["name"].rsplit("_", 1)[1] for key, config in configs.items()}
    assert suffixes == {
        "edge_template": "e1",
        "rabbitmq_conf": "c2",
        "rabbitmq_definitions": "d3",
        "rabbitmq_permissions": "p4",
        "rabbitmq_cluster": "k7",
        "rabbitmq_entrypoint": "s5",
        **{
            key: "m6"
            for key in configs
            if key.startswith(("prometheus_", "grafana_", "dashboard_"))
        },
    }


def test_catalog_replicas_share_the_covers_volume(services: dict[str, Any]) -> None:
    for name in ("catalog-api", "catalog-worker"):
        volumes = {v["target"]: v.get("source") for v in services[name]["volumes"]}
        assert volumes["/data/covers"] == "covers", name
        assert services[name]["environment"]["COVERS_DIR"] == "/data/covers", name


def test_processes_get_more_time_to_stop_than_they_take_to_drain(
    services: dict[str, Any],
) -> None:
    for name in OURS:
        grace = seconds(services[name].get("stop_grace_period", "10s"))
        assert grace >= 25, f"{name}: gunicorn drains for up to 20 s"


def test_a_health_check_never_kills_a_task_that_is_still_migrating(
    services: dict[str, Any],
) -> None:
    boot = (ROOT / "swarm/docker/boot.lib.sh").read_text()
    retry_window = int(re.search(r"BOOT_MIGRATE_TIMEOUT:-(\d+)", boot).group(1))  # type: ignore[union-attr]
    db = (ROOT / "shared/db.py").read_text()
    lock_wait = int(re.search(r"'\.migrate'\), (\d+)\)", db).group(1))  # type: ignore[union-attr]
    for name in OURS:
        check = services[name]["healthcheck"]
        assert seconds(check["start_period"]) >= retry_window + lock_wait + 60, name
        assert services[name]["environment"].get("MIGRATE_ON_START", "true") == "true", name


def test_new_databases_are_refused_unless_the_operator_allows_them(
    services: dict[str, Any],
) -> None:
    for name in OURS - {"frontend", "gateway"}:
        assert services[name]["environment"]["ALLOW_EMPTY_DATABASE"] == "false", name
    first = render(BOOKSTORE_ALLOW_EMPTY_DATABASE="true")["services"]
    assert first["catalog-api"]["environment"]["ALLOW_EMPTY_DATABASE"] == "true"


def test_the_nfs_overlay_puts_covers_on_nfs_and_frees_catalog_placement() -> None:
    stack = render(
        STACK,
        ROOT / "swarm/stack.nfs.yml",
        COVERS_NFS_ADDR="10.0.0.10",
        COVERS_PLACEMENT="node.role != none",
    )
    covers = stack["volumes"]["covers"]
    assert covers["driver_opts"]["type"] == "nfs" and "addr=10.0.0.10" in covers["driver_opts"]["o"]
    constraints = stack["services"]["catalog-api"]["deploy"]["placement"]["constraints"]
    assert constraints == ["node.role != none"]


def test_the_gateway_trusts_exactly_the_networks_of_the_edge_and_the_frontend(
    stack: dict[str, Any], services: dict[str, Any]
) -> None:
    trusted = set(services["gateway"]["environment"]["GATEWAY_TRUSTED_PROXIES"].split(","))
    subnets = {
        config["subnet"]
        for network in ("edge", "app")
        for config in stack["networks"][network]["ipam"]["config"]
    }
    assert trusted == subnets
    assert services["frontend"]["environment"]["BEHIND_PROXY"] == "true"
