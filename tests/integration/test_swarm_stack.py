"""swarm/stack.yml, as `docker stack config` renders it, holds the deployment's invariants.

The docker client renders and validates a stack file offline (no engine); the test runs it in a
clean environment so a DOCKER_HOST or context of the machine cannot interfere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "swarm/stack.yml"
STATEFUL = {"auth-db", "catalog-db", "order-db", "rabbitmq"}
SERVICES = ("auth", "catalog", "order")
OURS = {"frontend", "gateway", *(f"{s}-{r}" for s in SERVICES for r in ("api", "worker"))}
SECRET_NAME = re.compile(r"(^|_)(PASSWORD|SECRET|COOKIE|PRIVATE_KEY|TOKEN|CREDENTIALS?)(_|$)")


def render(*files: Path, **env: str) -> dict[str, Any]:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("the docker client is not installed")
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": tempfile.gettempdir(), **env}
    args = [docker, "stack", "config"] + [a for f in files for a in ("-c", str(f))]
    result = subprocess.run(args, capture_output=True, text=True, env=clean, timeout=60)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def stack() -> dict[str, Any]:
    return render(STACK, BOOKSTORE_VERSION="1.4.2", BOOKSTORE_REGISTRY="registry.example.com/bs")


@pytest.fixture(scope="module")
def services(stack: dict[str, Any]) -> dict[str, Any]:
    return stack["services"]


def stateless(services: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in services.items() if name not in STATEFUL}


def test_the_stack_has_every_part_of_the_system(services: dict[str, Any]) -> None:
    assert set(services) == OURS | STATEFUL | {"edge"}


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


def test_stateful_services_stop_first_keep_a_volume_and_stay_on_their_node(
    services: dict[str, Any],
) -> None:
    data_dirs = {"rabbitmq": "/var/lib/rabbitmq"}
    for name in STATEFUL:
        service = services[name]
        assert service["deploy"]["update_config"]["order"] == "stop-first", name
        assert service["deploy"]["replicas"] == 1, name
        targets = {v["target"]: v for v in service["volumes"]}
        volume = targets[data_dirs.get(name, "/var/lib/mysql")]
        assert volume["type"] == "volume" and volume["source"], name
        assert service["deploy"]["placement"]["constraints"], name


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


def test_images_are_pinned_and_ours_carry_the_release_version(services: dict[str, Any]) -> None:
    for name, service in services.items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", image
        if name in OURS:
            assert image.startswith("registry.example.com/bs/") and tag == "1.4.2", image
        else:
            assert re.match(r"^\d+\.\d+\.\d+", tag), f"{name}: pin an exact version: {image}"


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


def test_rabbitmq_has_a_fixed_hostname_its_definitions_and_an_app_user_from_secrets(
    stack: dict[str, Any], services: dict[str, Any]
) -> None:
    rabbit = services["rabbitmq"]
    assert rabbit["hostname"] == "rabbitmq"
    targets = {c["target"]: c["source"] for c in rabbit["configs"]}
    assert stack["configs"][targets["/etc/rabbitmq/definitions.json"]]["file"].endswith(
        "rabbitmq/definitions.json"
    )
    assert rabbit["environment"]["BOOKSTORE_RABBITMQ_PASSWORD_FILE"] == (
        "/run/secrets/rabbitmq_app_password"
    )
    assert rabbit["environment"]["BOOKSTORE_ERLANG_COOKIE_FILE"].startswith("/run/secrets/")
    for config in stack["configs"].values():
        assert Path(config["file"]).is_file(), config


def test_catalog_replicas_share_the_covers_volume(services: dict[str, Any]) -> None:
    for name in ("catalog-api", "catalog-worker"):
        volumes = {v["target"]: v["source"] for v in services[name]["volumes"]}
        assert volumes["/data/covers"] == "covers", name
        assert services[name]["environment"]["COVERS_DIR"] == "/data/covers", name


def test_processes_get_more_time_to_stop_than_they_take_to_drain(
    services: dict[str, Any],
) -> None:
    for name in OURS:
        grace = services[name].get("stop_grace_period", "10s")
        seconds = sum(
            int(n) * (60 if u == "m" else 1) for n, u in re.findall(r"(\d+)([ms])", grace)
        )
        assert seconds >= 25, f"{name}: gunicorn drains for up to 20 s"


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
