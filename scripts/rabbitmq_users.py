"""`python -m scripts.rabbitmq_users`: one RabbitMQ user per service on a broker outside the stack.

The Swarm stack seeds its users at boot (rabbitmq/docker-entrypoint-bookstore.sh). A broker run
by hand (a VM, a managed host, the local one) gets the same users and the permissions of
rabbitmq/permissions.json through rabbitmqctl, with passwords from the files
swarm/create-secrets.sh writes (var/secrets/rabbitmq_<user>_password). It prints the
RABBITMQ_URL each service then uses. `make run` and the tests keep using guest: nothing here is
needed locally unless you want the production set-up.

    python -m scripts.rabbitmq_users [--secrets var/secrets] [--host 127.0.0.1] [--prefix ""]
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]


def rabbitmqctl(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True)
    if result.returncode != 0 and "already exists" not in result.stderr + result.stdout:
        raise SystemExit(f"rabbitmqctl {args[0]} {args[1]}: {result.stderr.strip()}")
    return result


def ensure_user(name: str, password: str, rules: dict[str, str]) -> None:
    """Create the user, or set its password if it exists, then its permissions on /."""
    if rabbitmqctl("add_user", name, password).returncode != 0:
        rabbitmqctl("change_password", name, password)
    rabbitmqctl(
        "set_permissions", "-p", "/", name, rules["configure"], rules["write"], rules["read"]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.rabbitmq_users")
    parser.add_argument("--secrets", type=Path, default=ROOT / "var/secrets")
    parser.add_argument("--host", default="127.0.0.1:5672")
    parser.add_argument("--prefix", default="", help="prefix of the user names (tests)")
    args = parser.parse_args(argv)
    for rules in json.loads((ROOT / "rabbitmq/permissions.json").read_text()):
        user = rules["user"]
        password = (args.secrets / f"rabbitmq_{user}_password").read_text().rstrip("\r\n")
        name = f"{args.prefix}{user}"
        ensure_user(name, password, rules)
        print(f"{user}: RABBITMQ_URL=amqp://{name}:{quote(password, safe='')}@{args.host}/%2F")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
