"""Rendering the Swarm stack with the docker client, and tools whose absence must be seen.

`docker stack config` renders and validates a stack file offline (no engine). It runs in a clean
environment so a DOCKER_HOST or a context of the machine cannot interfere. When the client (or
shellcheck) is missing the test is skipped with a reason that says what went unchecked; pytest's
`-ra` (pyproject.toml) lists it in the summary of every run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "swarm/stack.yml"
# What every deploy provides (deploy.sh reads it from var/deploy.env and derives COVERS_PLACEMENT).
DEPLOY_ENV = {
    "BOOKSTORE_REGISTRY": "registry.example.com/bs",
    "BOOKSTORE_VERSION": "1.4.2",
    "BOOKSTORE_DATA_NODE": "data-1",
    "COVERS_PLACEMENT": "node.hostname == data-1",
    # deploy.sh derives these from BOOKSTORE_BROKER_NODES (three hosts).
    "BOOKSTORE_BROKER_NODE_1": "broker-1",
    "BOOKSTORE_BROKER_NODE_2": "broker-2",
    "BOOKSTORE_BROKER_NODE_3": "broker-3",
}


def require(tool: str, unchecked: str) -> str:
    """The tool's path, or a skip whose reason names what this run did NOT check."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"NOT CHECKED: {unchecked} ({tool} is not installed on this machine)")
    return path


def run_stack_config(*files: Path, **env: str) -> subprocess.CompletedProcess[str]:
    docker = require("docker", "the Swarm stack files were not rendered by `docker stack config`")
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": tempfile.gettempdir(), **env}
    args = [docker, "stack", "config"] + [a for f in files for a in ("-c", str(f))]
    return subprocess.run(args, capture_output=True, text=True, env=clean, timeout=60)


def render(*files: Path, **env: str) -> dict[str, Any]:
    """The stack as a deploy renders it (files default to swarm/stack.yml; env over DEPLOY_ENV)."""
    result = run_stack_config(*(files or (STACK,)), **{**DEPLOY_ENV, **env})
    assert result.returncode == 0, result.stderr
    rendered: dict[str, Any] = yaml.safe_load(result.stdout)
    return rendered
