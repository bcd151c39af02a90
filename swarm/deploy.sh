#!/usr/bin/env bash
# Deploys (or updates) the BookStore stack: `swarm/deploy.sh [STACK]` (default: bookstore).
#
# Settings come from the environment or, if it exists, var/deploy.env (BOOKSTORE_ENV_FILE): keep
# BOOKSTORE_VERSION, BOOKSTORE_REGISTRY, BOOKSTORE_DOMAIN, EDGE_TLS_VERSION... there, so that
# every deploy, by anyone, deploys the same thing. Extra compose files: BOOKSTORE_EXTRA_FILES
# (space-separated, e.g. "swarm/stack.managed-db.yml").
#
# Swarm configs are immutable, so each config object's name carries a hash of its own file
# (EDGE_TEMPLATE_CONFIG_VERSION, RABBITMQ_*_CONFIG_VERSION): changing nginx's template creates a
# new edge_template object and rolls the edge only, never RabbitMQ, and the reverse.
# Stateful services and the catalogue's local covers stay on BOOKSTORE_DATA_NODE (a hostname);
# with COVERS_NFS_ADDR set, the covers volume is put on NFS (stack.nfs.yml) and catalog replicas
# may run on any node. `--print-config-versions` prints the hashes and exits (used by tests).
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

config_version() {  # file -> the first 12 hex digits of its sha256
  sha256sum "$1" | cut -c1-12
}
export EDGE_TEMPLATE_CONFIG_VERSION RABBITMQ_CONF_CONFIG_VERSION RABBITMQ_DEFINITIONS_CONFIG_VERSION \
  RABBITMQ_PERMISSIONS_CONFIG_VERSION RABBITMQ_CLUSTER_CONFIG_VERSION RABBITMQ_ENTRYPOINT_CONFIG_VERSION
EDGE_TEMPLATE_CONFIG_VERSION=$(config_version swarm/edge/default.conf.template)
RABBITMQ_CONF_CONFIG_VERSION=$(config_version rabbitmq/rabbitmq.conf)
RABBITMQ_DEFINITIONS_CONFIG_VERSION=$(config_version rabbitmq/definitions.json)
RABBITMQ_PERMISSIONS_CONFIG_VERSION=$(config_version rabbitmq/permissions.json)
RABBITMQ_CLUSTER_CONFIG_VERSION=$(config_version rabbitmq/cluster.conf)
RABBITMQ_ENTRYPOINT_CONFIG_VERSION=$(config_version rabbitmq/docker-entrypoint-bookstore.sh)
# Prometheus's and Grafana's files change together (dashboards, rules, provisioning): one version
# for the whole monitoring/ directory.
export MONITORING_CONFIG_VERSION
MONITORING_CONFIG_VERSION=$(find monitoring -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-12)
if [ "$STACK" = --print-config-versions ]; then
  env | grep '_CONFIG_VERSION=' | sort
  exit 0
fi

compose_files=(-c swarm/stack.yml)
if [ -n "${COVERS_NFS_ADDR:-}" ]; then
  compose_files+=(-c swarm/stack.nfs.yml)
  export COVERS_PLACEMENT=${COVERS_PLACEMENT:-node.role != none}
elif [ -n "${BOOKSTORE_DATA_NODE:-}" ]; then
  export COVERS_PLACEMENT=${COVERS_PLACEMENT:-node.hostname == $BOOKSTORE_DATA_NODE}
fi
for extra in ${BOOKSTORE_EXTRA_FILES:-}; do
  compose_files+=(-c "$extra")
done

: "${BOOKSTORE_REGISTRY:?set BOOKSTORE_REGISTRY in $env_file (without it Swarm pulls docker.io/bookstore/*)}"
: "${BOOKSTORE_VERSION:?set BOOKSTORE_VERSION in $env_file}"
: "${BOOKSTORE_DATA_NODE:?set BOOKSTORE_DATA_NODE in $env_file: the hostname of the node holding the data}"
# The three RabbitMQ nodes: one host each (BOOKSTORE_BROKER_NODES=host1,host2,host3), or all on
# the data node when unset (a one-node swarm: a cluster still, without the host redundancy).
IFS=, read -r -a broker_nodes <<< "${BOOKSTORE_BROKER_NODES:-$BOOKSTORE_DATA_NODE,$BOOKSTORE_DATA_NODE,$BOOKSTORE_DATA_NODE}"
if [ "${#broker_nodes[@]}" -ne 3 ]; then
  echo "deploy: BOOKSTORE_BROKER_NODES must name three hosts (host1,host2,host3)" >&2
  exit 64
fi
export BOOKSTORE_BROKER_NODE_1=${broker_nodes[0]} BOOKSTORE_BROKER_NODE_2=${broker_nodes[1]} \
  BOOKSTORE_BROKER_NODE_3=${broker_nodes[2]}
echo "deploy: $STACK, images $BOOKSTORE_REGISTRY/*:$BOOKSTORE_VERSION, data on $BOOKSTORE_DATA_NODE, brokers on ${broker_nodes[*]}"
docker stack config "${compose_files[@]}" >/dev/null  # fail early on a broken file
docker stack deploy --detach=false --with-registry-auth "${compose_files[@]}" "$STACK"
