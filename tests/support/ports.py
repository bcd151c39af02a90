"""Free TCP ports for the processes a test or a benchmark starts."""

from __future__ import annotations

import errno
import os
import random
import socket

from scripts.stack import Ports


def free_port() -> int:
    """A port nothing listens on right now (the kernel picks it), on IPv6's loopback too: a
    client asking for `localhost` may try ::1 first and reach whatever listens there."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if _free_on_ipv6_loopback(port):
            return port


def _free_on_ipv6_loopback(port: int) -> bool:
    if not socket.has_ipv6:
        return True
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", port))
    except OSError as exc:
        return exc.errno not in (errno.EADDRINUSE, errno.EACCES)  # no ::1 here: nothing to fear
    return True


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return _free_on_ipv6_loopback(port)


def all_ports(ports: Ports, replicas: int) -> list[int]:
    """Every port a stack with `replicas` of each api and worker listens on."""
    singles = [ports.gateway, ports.frontend, ports.mail_smtp, ports.mail_http]
    per_replica = [*ports.apis.values(), *ports.workers.values()]
    return singles + [port + 100 * i for port in per_replica for i in range(replicas)]


def free_port_base(replicas: int) -> int:
    """E2E_PORT_BASE, or a random base whose every port is free (so two runs never collide).

    Bases stay below Linux's ephemeral range (32768+), where client sockets would take ports.
    """
    if "E2E_PORT_BASE" in os.environ:
        return int(os.environ["E2E_PORT_BASE"])
    while True:
        base = random.randrange(10000, 32000, 250)
        if all(port_is_free(port) for port in all_ports(Ports.offset(base), replicas)):
            return base
