#!/usr/bin/env bash
# Deploys (or updates) the BookStore stack: `swarm/deploy.sh [STACK]` (default: bookstore).
#
# Settings come from the environment or, if it exists, var/deploy.env (BOOKSTORE_ENV_FILE): keep
# BOOKSTORE_VERSION, BOOKSTORE_REGISTRY, BOOKSTORE_DOMAIN, EDGE_TLS_VERSION... there, so that
# every deploy, by anyone, deploys the same thing. Extra compose files: BOOKSTORE_EXTRA_FILES
# (space-separated, e.g. "swarm/stack.managed-db.yml").
#
# Swarm configs are immutable, so their names carry a hash of their content
# (BOOKSTORE_CONFIG_VERSION): changing nginx's template or the RabbitMQ files creates new config
# objects and rolls the services that use them. With COVERS_NFS_ADDR set, the covers volume is
# put on NFS (stack.nfs.yml) and catalog replicas may run on any node.
# Waits until the services converge (or an update fails and rolls back).
set -euo pipefail
cd "$(dirname "$0")/.."
STACK=${1:-bookstore}

env_file=${BOOKSTORE_ENV_FILE:-var/deploy.env}
if [ -f "$env_file" ]; then
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  set +a
fi

config_files=(swarm/edge/default.conf.template rabbitmq/rabbitmq.conf rabbitmq/definitions.json
  rabbitmq/docker-entrypoint-bookstore.sh)
BOOKSTORE_CONFIG_VERSION=${BOOKSTORE_CONFIG_VERSION:-$(cat "${config_files[@]}" | sha256sum | cut -c1-12)}
export BOOKSTORE_CONFIG_VERSION

compose_files=(-c swarm/stack.yml)
if [ -n "${COVERS_NFS_ADDR:-}" ]; then
  compose_files+=(-c swarm/stack.nfs.yml)
  export COVERS_PLACEMENT=${COVERS_PLACEMENT:-node.role != none}
fi
for extra in ${BOOKSTORE_EXTRA_FILES:-}; do
  compose_files+=(-c "$extra")
done

echo "deploy: $STACK, images ${BOOKSTORE_REGISTRY:-bookstore}/*:${BOOKSTORE_VERSION:-0.1.0}"
docker stack config "${compose_files[@]}" >/dev/null  # fail early on a broken file
docker stack deploy --detach=false --with-registry-auth "${compose_files[@]}" "$STACK"
