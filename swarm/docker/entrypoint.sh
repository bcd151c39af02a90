#!/bin/sh
# Entry point of every BookStore image: the service's own boot.sh (SERVICE is set at build time by
# the Dockerfile's build argument). exec keeps boot.sh, then the process it execs, as PID 1.
exec "/app/${SERVICE:?the image was built without SERVICE}/boot.sh" "$@"
