#!/usr/bin/env bash
# Dumps the three databases of a running stack: `swarm/backup.sh [DIR]` (default var/backups).
#
# Run it on the node that runs the database tasks (the node labelled bookstore.data): it uses
# `docker exec` into them. Each dump is a consistent snapshot of one database
# (--single-transaction, InnoDB) taken without stopping anything; the root password is read
# inside the container from its secret and passed by environment, never on a command line.
# Restore: README.md (Deploying on Docker Swarm).
set -euo pipefail
STACK=${STACK:-bookstore}
DIR=${1:-var/backups}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
umask 077
mkdir -p "$DIR"

for pair in auth:bookstore_auth catalog:bookstore_catalog order:bookstore_orders \
            notification:bookstore_notifications; do
  service=${pair%%:*} database=${pair#*:}
  container=$(docker ps -q -f "name=${STACK}_${service}-db." | head -n 1)
  if [ -z "$container" ]; then
    echo "backup: no ${STACK}_${service}-db task on this node" >&2
    exit 1
  fi
  out="$DIR/$service-$STAMP.sql.gz"
  docker exec "$container" sh -c "MYSQL_PWD=\"\$(cat /run/secrets/${service}_db_root_password)\" \
    exec mariadb-dump -uroot --single-transaction --quick --routines --events --triggers \
    --databases $database" | gzip > "$out.partial"
  mv "$out.partial" "$out"
  echo "backup: $out ($(du -h "$out" | cut -f1))"
done
