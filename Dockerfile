# syntax=docker/dockerfile:1
# The one image recipe of every BookStore service; SERVICE picks the package:
#   docker build --build-arg SERVICE=catalog_service -t bookstore/catalog:$BOOKSTORE_VERSION .
# (swarm/build-images.sh builds all five). The services differ only in the package they copy:
# each image runs `boot.sh api` (default), `boot.sh worker` (services with a worker) or
# `boot.sh migrate` (a one-shot migration job, with MIGRATE_ON_START=false on the services).
# Build from the repository root: the image needs shared/ and the runtime lock.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements/runtime.txt /tmp/
# The runtime lock only (pip-compile, with hashes), at exactly the versions CI tested; test
# tools (pytest, playwright...) are in requirements/dev.txt and stay out of the image.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes --no-deps -r /tmp/runtime.txt

FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
ENV SERVICE=${SERVICE} \
    PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    API_PORT=8000 \
    WORKER_HEALTH_PORT=8001 \
    WEB_CONCURRENCY=2 \
    GUNICORN_THREADS=4 \
    GUNICORN_GRACEFUL_TIMEOUT=20 \
    COVERS_DIR=/data/covers
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<package>" >&2; exit 1; } \
 && groupadd --system --gid 10001 bookstore \
 && useradd --system --uid 10001 --gid bookstore --home-dir /app --shell /usr/sbin/nologin bookstore \
 && mkdir -p /data/covers && chown bookstore:bookstore /data/covers
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY gunicorn.conf.py ./
COPY shared/ shared/
COPY swarm/docker/boot.lib.sh swarm/docker/entrypoint.sh swarm/docker/healthcheck.py swarm/docker/
COPY ${SERVICE}/ ${SERVICE}/
# Code stays owned by root (read-only for the service user, and the stack mounts the root file
# system read-only); bytecode compiled at build time. /data/covers: the catalogue's covers volume.
RUN chmod 0555 "$SERVICE/boot.sh" swarm/docker/entrypoint.sh \
 && python -m compileall -q shared "$SERVICE"
USER bookstore:bookstore
EXPOSE 8000 8001
# start-period: as long as the longest migration the boot may wait for (see swarm/stack.yml).
HEALTHCHECK --interval=15s --timeout=3s --start-period=600s --retries=3 \
  CMD ["python", "/app/swarm/docker/healthcheck.py"]
ENTRYPOINT ["/app/swarm/docker/entrypoint.sh"]
CMD ["api"]
