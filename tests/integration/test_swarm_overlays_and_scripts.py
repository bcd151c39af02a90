"""The stack's overlays render with swarm/stack.yml, and every operations script parses."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.unit.test_swarm_stack import ROOT, STACK, render

SCRIPTS = sorted(
    [
        *ROOT.glob("swarm/*.sh"),
        *ROOT.glob("*/boot.sh"),
        ROOT / "rabbitmq/docker-entrypoint-bookstore.sh",
        ROOT / "swarm/docker/boot.lib.sh",
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


def test_a_renewed_certificate_is_selected_by_its_version_suffix() -> None:
    stack = render(STACK, EDGE_TLS_VERSION="_20270301")
    assert stack["secrets"]["edge_tls_cert"]["name"] == "bookstore_edge_tls_cert_20270301"
    assert stack["secrets"]["edge_tls_key"]["name"] == "bookstore_edge_tls_key_20270301"


def test_config_objects_are_named_after_their_version() -> None:
    stack = render(STACK, BOOKSTORE_CONFIG_VERSION="abc123")
    assert {c["name"].rsplit("_", 1)[1] for c in stack["configs"].values()} == {"abc123"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shell_script_parses_and_is_executable(script: Path) -> None:
    shell = "bash" if script.read_text().startswith("#!/usr/bin/env bash") else "sh"
    assert subprocess.run([shell, "-n", str(script)], capture_output=True).returncode == 0
    assert script.name.endswith(".lib.sh") or script.stat().st_mode & 0o111  # libs are sourced
    if shutil.which("shellcheck"):
        result = subprocess.run(["shellcheck", "-S", "warning", str(script)], capture_output=True)
        assert result.returncode == 0, result.stdout
