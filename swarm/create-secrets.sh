#!/usr/bin/env bash
# Creates every secret BookStore needs, once: as files (in --dir) and then as Docker
# secrets named <prefix><name> (skipped with --files-only, which docker-compose.yml uses).
# The directory is private (0700); keep it, or a copy, somewhere safe: it is also the backup.
# Existing files and existing Docker secrets are never overwritten: running it again is safe.
#
#   swarm/create-secrets.sh [--dir var/secrets] [--domain shop.example.com] [--prefix bookstore_]
#                           [--files-only]
#
# Secrets: the JWT key pair (Ed25519), the password and root password of each MariaDB, one
# RabbitMQ password per service (auth, catalog, order, notification, gateway) and the Erlang cookie, the frontend's session key, and a self-signed
# TLS certificate for --domain (replace it with Let's Encrypt's: README.md, "TLS with Let's Encrypt").
# smtp_url is the e-mail relay as a URL; it starts as compose's mail catcher (smtp://mailcatcher:1025):
# put your relay's (smtp://user:password@relay.example.com:587?starttls=true) in the file first.
set -euo pipefail

DIR=var/secrets
DOMAIN=localhost
PREFIX=bookstore_
FILES_ONLY=false
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR=$2; shift 2 ;;
    --domain) DOMAIN=$2; shift 2 ;;
    --prefix) PREFIX=$2; shift 2 ;;
    --files-only) FILES_ONLY=true; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "create-secrets: unknown argument $1" >&2; exit 64 ;;
  esac
done

PASSWORDS="auth_db_password auth_db_root_password catalog_db_password catalog_db_root_password
  order_db_password order_db_root_password rabbitmq_auth_password rabbitmq_catalog_password
  rabbitmq_order_password rabbitmq_gateway_password rabbitmq_erlang_cookie frontend_secret_key
  grafana_admin_password notification_db_password notification_db_root_password
  rabbitmq_notification_password"
ALL="jwt_private_key jwt_public_key $PASSWORDS smtp_url edge_tls_cert edge_tls_key"

umask 077
mkdir -p "$DIR"

random_secret() {  # 64 hex digits: safe in URLs, shells and Erlang cookies alike
  openssl rand -hex 32 | tr -d '\n'
}

make_jwt_pair() {
  [ -s "$DIR/jwt_private_key" ] && [ -s "$DIR/jwt_public_key" ] && return 0
  openssl genpkey -algorithm ed25519 -out "$DIR/jwt_private_key"
  openssl pkey -in "$DIR/jwt_private_key" -pubout -out "$DIR/jwt_public_key"
  echo "create-secrets: new JWT key pair"
}

make_self_signed_certificate() {
  [ -s "$DIR/edge_tls_cert" ] && [ -s "$DIR/edge_tls_key" ] && return 0
  local san="DNS:$DOMAIN"
  [ "$DOMAIN" = localhost ] && san="$san,IP:127.0.0.1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
    -subj "/CN=$DOMAIN" -addext "subjectAltName=$san" \
    -keyout "$DIR/edge_tls_key" -out "$DIR/edge_tls_cert" 2>/dev/null
  echo "create-secrets: new self-signed certificate for $DOMAIN"
}

make_smtp_url() {  # not random: where the notification worker sends e-mail
  [ -s "$DIR/smtp_url" ] && return 0
  printf '%s' "smtp://mailcatcher:1025" > "$DIR/smtp_url"
  echo "create-secrets: smtp_url is compose's mail catcher: put your SMTP relay's URL in $DIR/smtp_url"
}

make_files() {
  make_jwt_pair
  make_smtp_url
  for name in $PASSWORDS; do
    [ -s "$DIR/$name" ] || { random_secret > "$DIR/$name"; echo "create-secrets: new $name"; }
  done
  make_self_signed_certificate
  # The directory keeps other users out. The files themselves are readable, like Docker
  # secrets (0444) inside a container: docker-compose.yml bind-mounts them as they are, and the
  # images run as non-root users.
  chmod 700 "$DIR"
  chmod 644 "$DIR"/*
}

create_docker_secrets() {
  for name in $ALL; do
    if docker secret inspect "$PREFIX$name" >/dev/null 2>&1; then
      echo "create-secrets: $PREFIX$name exists, kept"
    else
      docker secret create --label bookstore.secret="$name" "$PREFIX$name" "$DIR/$name" >/dev/null
      echo "create-secrets: created Docker secret $PREFIX$name"
    fi
  done
}

make_files
[ "$FILES_ONLY" = true ] || create_docker_secrets
