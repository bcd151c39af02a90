#!/bin/sh
# Entry point of the api_gateway image: `boot.sh api`, or any command with the same
# environment. Secrets from files, migrations, then exec: see swarm/docker/boot.lib.sh.
set -eu
PACKAGE=api_gateway
HAS_DATABASE=false
HAS_WORKER=false
. "$(dirname "$0")/../swarm/docker/boot.lib.sh"
boot "$@"
