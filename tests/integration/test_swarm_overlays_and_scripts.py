"""The stack's overlays render with swarm/stack.yml, deploy.sh versions each config object by its
own content, and every operations script parses (and passes shellcheck)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.swarm import ROOT, STACK, render, require

SCRIPTS = sorted(
    [
        *ROOT.glob("swarm/*.sh"),
        *ROOT.glob("*/boot.sh"),
        ROOT / "rabbitmq/docker-entrypoint-bookstore.sh",
        ROOT / "swarm/docker/boot.lib.sh",
        ROOT / "swarm/docker/entrypoint.sh",
    ]
)


def test_the_managed_database_overlay_swaps_the_url_for_a_secret_and_stops_the_database() -> None:
    stack = render(STACK, ROOT / "swarm/stack.managed-db.example.yml")
    for name in ("catalog-api", "catalog-worker"):
        service = stack["services"][name]
        assert service["environment"]["CATALOG_DATABASE_URL_FILE"] == (
            "/run/secrets/catalog_database_url"
        )
        assert "catalog_database_url" in {s["source"] for s in service["secrets"]}
    assert stack["services"]["catalog-db"]["deploy"]["replicas"] == 0
    assert stack["secrets"]["catalog_database_url"]["external"] is True


def test_the_managed_database_overlay_gives_the_catalog_tasks_a_way_out() -> None:
    stack = render(STACK, ROOT / "swarm/stack.managed-db.example.yml")
    for name in ("catalog-api", "catalog-worker"):
        networks = stack["services"][name]["networks"]
        egress = [n for n in networks if not stack["networks"][n].get("internal")]
        assert egress == ["catalog-egress"], name
        assert "catalog-data" in networks and "broker" in networks, name
    assert stack["networks"]["catalog-egress"]["driver_opts"]["encrypted"] == "true"
    for name in ("auth-api", "order-api", "gateway"):  # nobody else leaves the cluster
        assert "catalog-egress" not in stack["services"][name]["networks"], name


def test_a_renewed_certificate_is_selected_by_its_version_suffix() -> None:
    stack = render(EDGE_TLS_VERSION="_20270301")
    assert stack["secrets"]["edge_tls_cert"]["name"] == "bookstore_edge_tls_cert_20270301"
    assert stack["secrets"]["edge_tls_key"]["name"] == "bookstore_edge_tls_key_20270301"


def config_versions(root: Path) -> dict[str, str]:
    result = subprocess.run(
        [str(root / "swarm/deploy.sh"), "--print-config-versions"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ["PATH"], "BOOKSTORE_ENV_FILE": "/nonexistent"},
    )
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def test_deploy_versions_each_config_object_by_its_own_file_only(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    for part in ("swarm", "rabbitmq", "monitoring"):
        shutil.copytree(ROOT / part, copy / part)
    before = config_versions(copy)
    assert len(before) == 7 and len(set(before.values())) == 7
    with (copy / "swarm/edge/default.conf.template").open("a") as template:
        template.write("# an edit of the edge only\n")
    after = config_versions(copy)
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {"EDGE_TEMPLATE_CONFIG_VERSION"}  # RabbitMQ is not restarted by it
    with (copy / "monitoring/prometheus/alerts.yml").open("a") as rules:
        rules.write("# an edit of the alert rules only\n")
    changed = {key for key, value in config_versions(copy).items() if after[key] != value}
    assert changed == {"MONITORING_CONFIG_VERSION"}  # one version for the monitoring files


def test_deploy_refuses_to_run_without_a_registry(tmp_path: Path) -> None:
    (tmp_path / "docker").write_text("#!/bin/sh\necho docker should not run >&2\nexit 1\n")
    (tmp_path / "docker").chmod(0o755)
    env = {
        "PATH": f"{tmp_path}:{os.environ['PATH']}",
        "BOOKSTORE_ENV_FILE": "/nonexistent",
        "BOOKSTORE_VERSION": "1.0.0",
        "BOOKSTORE_DATA_NODE": "data-1",
    }
    result = subprocess.run(
        [str(ROOT / "swarm/deploy.sh")], capture_output=True, text=True, env=env
    )
    assert result.returncode != 0
    assert "BOOKSTORE_REGISTRY" in result.stderr and "docker should not run" not in result.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shell_script_parses_and_is_executable(script: Path) -> None:
    shell = "bash" if script.read_text().startswith("#!/usr/bin/env bash") else "sh"
    assert subprocess.run([shell, "-n", str(script)], capture_output=True).returncode == 0
    assert script.name.endswith(".lib.sh") or script.stat().st_mode & 0o111  # libs are sourced


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shell_script_passes_shellcheck(script: Path) -> None:
    shellcheck = require("shellcheck", f"{script.name} was not linted (.ci/run installs it)")
    # A boot.sh sets variables for the library it sources (SC2034 cannot see that far).
    exclude = ["-e", "SC2034"] if script.name == "boot.sh" else []
    result = subprocess.run(
        [shellcheck, "-S", "warning", *exclude, str(script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
