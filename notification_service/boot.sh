#!/bin/sh
# Entry point of the notification_service image: `boot.sh api|worker|migrate`, or any command with the same
# environment. Secrets from files, migrations, then exec: see swarm/docker/boot.lib.sh.
set -eu
PACKAGE=notification_service
HAS_DATABASE=true
HAS_WORKER=true
. "$(dirname "$0")/../swarm/docker/boot.lib.sh"
boot "$@"
