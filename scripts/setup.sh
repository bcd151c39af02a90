#!/usr/bin/env bash
# Idempotent set-up shared by `make run` and `make test`: servers up, venv with the pinned
# packages, a local JWT key pair. Safe to run again and again.
#   scripts/setup.sh        runtime packages only (make run)
#   scripts/setup.sh dev    runtime + tests and tooling (make test, make lint)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

wait_for() {  # name, command; up to 60 s
  for _ in $(seq 1 60); do eval "$2" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "setup: $1 did not come up" >&2; return 1
}

if [ -z "${SKIP_SERVERS:-}" ]; then
  if ! mariadb-admin -uroot ping >/dev/null 2>&1 && ! mysqladmin -uroot ping >/dev/null 2>&1; then
    if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then
      echo "setup: starting MariaDB"
      start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd 2>/dev/null \
        || (service mariadb start || true)
      wait_for MariaDB "mariadb-admin -uroot ping"
    fi
  fi
  # Every process keeps a pool (the catalogue two), and the e2e, fault and bench stacks run
  # several replicas of each: MariaDB's default of 151 connections is too few for a test run
  # beside a `make run`. Raised for the running server only, never lowered.
  mariadb -uroot -e "SET GLOBAL max_connections = GREATEST(@@max_connections, 600)" \
    >/dev/null 2>&1 || true
  if ! rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
    if command -v rabbitmq-server >/dev/null 2>&1; then
      echo "setup: starting RabbitMQ"
      rabbitmq-server -detached || true
      wait_for RabbitMQ "rabbitmq-diagnostics -q ping"
    fi
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
# The locks (requirements/*.txt, pip-compile with hashes): `setup.sh` installs the runtime one
# (what the images run: enough for `make run`), `setup.sh dev` adds tests and tooling.
locks=(requirements/runtime.txt)
[ "${1:-runtime}" = dev ] && locks+=(requirements/dev.txt)
stamp=.venv/.requirements.${1:-runtime}.sha
want=$(cat "${locks[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing the pinned packages of ${locks[*]}"
  args=()
  for lock in "${locks[@]}"; do args+=(-r "$lock"); done
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes "${args[@]}"
  echo "$want" > "$stamp"
fi
.venv/bin/python -m scripts.keys var/keys
