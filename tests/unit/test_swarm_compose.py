"""docker-compose.yml runs the same images with the same configuration as swarm/stack.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def load(path: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / path).read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load("docker-compose.yml")


@pytest.fixture(scope="module")
def stack() -> dict[str, Any]:
    return load("swarm/stack.yml")


# One host gains nothing from a broker cluster: compose runs the stack's three RabbitMQ nodes
# (rabbitmq-1..3, rabbitmq/cluster.conf) as the one node `rabbitmq`, and processes list it alone.
BROKERS = {"rabbitmq-1": "rabbitmq", "rabbitmq-2": "rabbitmq", "rabbitmq-3": "rabbitmq"}


def single_broker(url: str) -> str:
    """A stack RABBITMQ_URL listing the cluster, as compose writes it for its one node."""
    first = url.split(",")[0]
    return first.replace("@rabbitmq-1:", "@rabbitmq:")


def image(service: dict[str, Any]) -> str:
    """The image without registry and release: the stack requires both, compose has defaults."""
    return str(service["image"]).split("}/", 1)[-1].split(":$", 1)[0]


def secret_names(service: dict[str, Any]) -> list[str]:
    """Short or long syntax (the stack adds uid and mode, which compose's files cannot have)."""
    return sorted(s if isinstance(s, str) else s["source"] for s in service.get("secrets", []))


def test_compose_has_the_services_of_the_stack_with_the_same_images(
    compose: dict[str, Any], stack: dict[str, Any]
) -> None:
    assert {BROKERS.get(name, name) for name in stack["services"]} <= set(compose["services"])
    for name, service in stack["services"].items():
        assert image(compose["services"][BROKERS.get(name, name)]) == image(service), name


def test_compose_gives_every_service_the_stack_environment_and_secrets(
    compose: dict[str, Any], stack: dict[str, Any]
) -> None:
    # One host cannot restart a database on another node: compose may create empty databases.
    node_bound = {"ALLOW_EMPTY_DATABASE"}
    for name, service in stack["services"].items():
        ours = compose["services"][BROKERS.get(name, name)]
        theirs = {
            k: single_broker(v) if k == "RABBITMQ_URL" else v
            for k, v in (service.get("environment") or {}).items()
            if k not in node_bound
        }
        mine = {k: v for k, v in (ours.get("environment") or {}).items() if k not in node_bound}
        assert mine == theirs, name
        assert secret_names(ours) == secret_names(service), name
        assert ours.get("command") == service.get("command"), name


def test_compose_builds_each_image_from_the_one_dockerfile(compose: dict[str, Any]) -> None:
    built = {s["image"]: s["build"] for s in compose["services"].values() if "build" in s}
    assert len(built) == 6  # auth, catalog, order, notification, gateway, frontend
    for name, build in built.items():
        assert build["context"] == "." and build["dockerfile"] == "Dockerfile"
        package = build["args"]["SERVICE"]
        assert (ROOT / package / "boot.sh").is_file(), name


def test_compose_checks_the_health_of_every_service_and_restarts_it(
    compose: dict[str, Any],
) -> None:
    for name, service in compose["services"].items():
        assert service["healthcheck"]["test"][0] == "CMD", name
        assert service["restart"] == "unless-stopped", name


def test_compose_secrets_are_the_files_the_secrets_script_writes(
    compose: dict[str, Any], stack: dict[str, Any]
) -> None:
    assert set(compose["secrets"]) == set(stack["secrets"])
    for name, secret in compose["secrets"].items():
        assert secret == {"file": f"./var/secrets/{name}"}


def test_compose_keeps_the_databases_on_internal_networks_of_their_own(
    compose: dict[str, Any],
) -> None:
    for owner in ("auth", "catalog", "order"):
        assert compose["networks"][f"{owner}-data"] == {"internal": True}
        members = {n for n, s in compose["services"].items() if f"{owner}-data" in s["networks"]}
        assert members == {f"{owner}-db", f"{owner}-api", f"{owner}-worker"}
