"""A 3-node RabbitMQ cluster of this machine's RabbitMQ, for tests: own node names, ports and
data directories, beside (never touching) the local broker and a `make run`.

Nodes share the machine's Erlang cookie (the CLI's), as a cluster's nodes must. Debian's
rabbitmq-server runs as the `rabbitmq` user when started by root, so the data directories are
given to that user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.namespace import RUN_ID
from tests.support.ports import free_port


@dataclass
class Node:
    name: str  # e.g. bt1a2b3c-1@localhost
    port: int  # AMQP
    home: Path

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def env(self) -> dict[str, str]:
        home = self.home
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
            "RABBITMQ_LOG_BASE": str(home / "log"),
            "RABBITMQ_PID_FILE": str(home / "pid"),
            "RABBITMQ_FEATURE_FLAGS_FILE": str(home / "feature_flags"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(home / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(home / "rabbitmq"),
        }


def ctl(node: Node, *args: str, timeout: float = 120) -> str:
    result = subprocess.run(
        ["rabbitmqctl", "-n", node.name, *args], capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} on {node.name}: {result.stderr}")
    return result.stdout


def start(node: Node, attempts: int = 1) -> None:
    """Start the node (a new one, or a stopped member that rejoins its cluster) and wait.

    Ports come from free_port(), which another process may take before the node binds them
    (parallel test runs on one machine): a new node (`attempts` > 1; a restarted member keeps
    its port) that dies while starting gets fresh ports and another try, and the last failure
    says what the node printed.
    """
    for attempt in range(1, attempts + 1):
        try:
            _start_once(node)
            return
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            printed = (node.home / "server.out").read_text(errors="replace")[-2000:]
            if attempt == attempts:
                raise RuntimeError(f"{node.name} did not start: {exc}\n{printed}") from exc
            node.port = free_port()
            (node.home / "rabbitmq.conf").write_text(f"listeners.tcp.default = {node.port}\n")


def _start_once(node: Node) -> None:
    log = (node.home / "server.out").open("ab")
    server = subprocess.Popen(
        ["rabbitmq-server"], env=node.env(), stdout=log, stderr=log, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while True:  # await_startup fails at once while the node has not registered with epmd yet
        try:
            ctl(node, "await_startup", timeout=60)
            return
        except (RuntimeError, subprocess.TimeoutExpired):
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def stop(node: Node) -> None:
    ctl(node, "stop")


def available() -> bool:
    return bool(shutil.which("rabbitmq-server") and shutil.which("rabbitmqctl"))


@contextmanager
def local_cluster(size: int = 3) -> Iterator[list[Node]]:
    """`size` nodes clustered with the first; every node stopped and its data removed after.

    The data lives outside pytest's private (0700) temporary directories: the nodes' user must
    reach it.
    """
    base = Path(tempfile.mkdtemp(prefix="bookstore-cluster-"))
    base.chmod(0o755)
    nodes = []
    for i in range(size):
        home = base / f"node{i}"
        home.mkdir(parents=True)
        (home / "enabled_plugins").write_text("[].\n")
        node = Node(f"bt{RUN_ID}-{i}@localhost", free_port(), home)
        (home / "rabbitmq.conf").write_text(f"listeners.tcp.default = {node.port}\n")
        nodes.append(node)
    if os.geteuid() == 0:
        shutil.chown(base, "rabbitmq", "rabbitmq")
        for path in base.rglob("*"):
            shutil.chown(path, "rabbitmq", "rabbitmq")
    try:
        for node in nodes:
            start(node, attempts=3)
        for node in nodes[1:]:
            ctl(node, "stop_app")
            ctl(node, "join_cluster", nodes[0].name)
            ctl(node, "start_app")
        yield nodes
    finally:
        for node in nodes:
            try:
                stop(node)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(base, ignore_errors=True)
