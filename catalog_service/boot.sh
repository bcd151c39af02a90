#!/bin/sh
# Entry point of the catalog_service image: `boot.sh api|worker|migrate`, or any command with the same
# environment. Secrets from files, migrations, then exec: see swarm/docker/boot.lib.sh.
set -eu
PACKAGE=catalog_service
HAS_DATABASE=true
HAS_WORKER=true
. "$(dirname "$0")/../swarm/docker/boot.lib.sh"
boot "$@"
