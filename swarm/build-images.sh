#!/usr/bin/env bash
# Builds the five BookStore images from the repository root and its one Dockerfile (build
# argument SERVICE), tagged $BOOKSTORE_REGISTRY/<component>:$BOOKSTORE_VERSION; --push pushes them.
#
#   BOOKSTORE_REGISTRY=registry.example.com/bookstore BOOKSTORE_VERSION=1.2.0 \
#     swarm/build-images.sh --push
#
# Swarm nodes pull from the registry, so a multi-node swarm needs --push (and
# `docker login` on the manager; deploy.sh forwards the credentials).
set -euo pipefail
cd "$(dirname "$0")/.."
REGISTRY=${BOOKSTORE_REGISTRY:?set BOOKSTORE_REGISTRY (e.g. registry.example.com/bookstore)}
VERSION=${BOOKSTORE_VERSION:?set BOOKSTORE_VERSION (never deploy "latest")}
PUSH=false
[ "${1:-}" = "--push" ] && PUSH=true

for pair in auth:auth_service catalog:catalog_service order:order_service \
            notification:notification_service \
            gateway:api_gateway frontend:web_frontend; do
  name=${pair%%:*} package=${pair#*:}
  image="$REGISTRY/$name:$VERSION"
  echo "build: $image"
  docker build --build-arg SERVICE="$package" -t "$image" \
    --label org.opencontainers.image.version="$VERSION" \
    --label org.opencontainers.image.revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)" .
  [ "$PUSH" = false ] || docker push "$image"
done
