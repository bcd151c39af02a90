#!/usr/bin/env bash
# Entrypoint of the `rabbitmq` service: seeds the secrets, then hands over to the image's own
# entrypoint. It runs as root before that entrypoint drops to the rabbitmq user.
#
#   BOOKSTORE_RABBITMQ_USERS          one user per service: "name=password_file ..." (secrets)
#   BOOKSTORE_RABBITMQ_PERMISSIONS    their permissions, a JSON array in the definitions' format
#                                     (default: /etc/rabbitmq/permissions.json)
#   BOOKSTORE_ERLANG_COOKIE_FILE      the Erlang cookie all nodes of a cluster share (a secret)
#   BOOKSTORE_DEFINITIONS             the topology (default: /etc/rabbitmq/definitions.json)
#   BOOKSTORE_DEFINITIONS_DIR         the import directory (must match rabbitmq.conf)
# (Names outside RABBITMQ_*: the image's own entrypoint and scripts claim that namespace.)
set -euo pipefail

DEFINITIONS=${BOOKSTORE_DEFINITIONS:-/etc/rabbitmq/definitions.json}
DEFINITIONS_DIR=${BOOKSTORE_DEFINITIONS_DIR:-/run/bookstore-rabbitmq/definitions}
PERMISSIONS=${BOOKSTORE_RABBITMQ_PERMISSIONS:-/etc/rabbitmq/permissions.json}

hex_to_bytes() {  # hex string on $1 -> raw bytes on stdout
  printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')"
}

# RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password)), 4-byte salt.
password_hash() {
  local salt digest
  salt=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
  digest=$({ hex_to_bytes "$salt"; printf '%s' "$1"; } | sha256sum | cut -c1-64)
  hex_to_bytes "$salt$digest" | base64 | tr -d '\n'
}

json_string() {  # a JSON string literal for $1
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

users_definitions() {  # "name=password_file ..." -> definitions with those users and permissions
  local pair name separator=""
  printf '{\n  "vhosts": [{"name": "/"}],\n  "users": ['
  for pair in $1; do
    name=${pair%%=*}
    if [ "$name" = "$pair" ] || [ -z "$name" ]; then
      echo "bookstore-entrypoint: '$pair' is not name=password_file" >&2
      exit 64
    fi
    printf '%s\n    {"name": %s, "password_hash": "%s",\n     "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []}' \
      "$separator" "$(json_string "$name")" "$(password_hash "$(cat "${pair#*=}")")"
    separator=,
  done
  printf '\n  ],\n  "permissions": '
  cat "$PERMISSIONS"
  printf '}\n'
}

seed_definitions() {
  mkdir -p "$DEFINITIONS_DIR"
  chmod 700 "$DEFINITIONS_DIR"
  cp "$DEFINITIONS" "$DEFINITIONS_DIR/10-topology.json"
  if [ -n "${BOOKSTORE_RABBITMQ_USERS:-}" ]; then
    users_definitions "$BOOKSTORE_RABBITMQ_USERS" > "$DEFINITIONS_DIR/20-users.json"
  else
    echo "bookstore-entrypoint: BOOKSTORE_RABBITMQ_USERS unset, no application users" >&2
  fi
  chmod 600 "$DEFINITIONS_DIR"/*.json
}

seed_cookie() {
  [ -n "${BOOKSTORE_ERLANG_COOKIE_FILE:-}" ] || return 0
  local home=${BOOKSTORE_RABBITMQ_HOME:-/var/lib/rabbitmq}
  rm -f "$home/.erlang.cookie"
  (umask 077 && tr -d '\n' < "$BOOKSTORE_ERLANG_COOKIE_FILE" > "$home/.erlang.cookie")
  chmod 400 "$home/.erlang.cookie"
}

own_by_rabbitmq() {  # as root (the image's case), hand the files to the broker's user
  if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then
    chown -R rabbitmq:rabbitmq "$DEFINITIONS_DIR"
    [ -z "${BOOKSTORE_ERLANG_COOKIE_FILE:-}" ] \
      || chown rabbitmq:rabbitmq "${BOOKSTORE_RABBITMQ_HOME:-/var/lib/rabbitmq}/.erlang.cookie"
  fi
}

# `users-json "name=password_file ..."` prints the users' definitions (used by tests), nothing else.
if [ "${1:-}" = "users-json" ]; then
  users_definitions "$2"
  exit 0
fi

seed_definitions
seed_cookie
own_by_rabbitmq
exec docker-entrypoint.sh "$@"
