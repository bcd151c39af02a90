# shellcheck shell=sh
# Sourced by every service's boot.sh (auth_service/boot.sh, ...), which first sets:
#   PACKAGE       the Python package (auth_service)
#   HAS_DATABASE  true if the service owns a database (migrations run before it starts)
#   HAS_WORKER    true if the image also runs a worker process
#
# `boot.sh api|worker|migrate` starts that process; `boot.sh <command...>` runs any command with
# the same environment (operators: `boot.sh python -m shared.events dlq list`).
# ALLOW_EMPTY_DATABASE=false (the stack's default) makes migrations refuse an empty database.
#
# Secrets (the services' config.py read plain variables; this script bridges Docker secrets):
#   X_FILE                      X = the file's content, for X in SECRET_VARS; it wins over a
#                               plain X (an overlay can swap in a managed database's URL)
#   X_URL + X_PASSWORD_FILE     the password (percent-encoded) is put into X_URL after the user,
#                               for X in PASSWORD_URLS (mysql+pymysql://auth@auth-db/... + file)

SECRET_VARS="AUTH_DATABASE_URL CATALOG_DATABASE_URL ORDER_DATABASE_URL NOTIFICATION_DATABASE_URL RABBITMQ_URL FRONTEND_SECRET_KEY SMTP_URL"
PASSWORD_URLS="AUTH_DATABASE CATALOG_DATABASE ORDER_DATABASE NOTIFICATION_DATABASE RABBITMQ"
PYTHON=${PYTHON:-python}
APP_DIR=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "boot: $*" >&2; exit 64; }

read_secret() {  # file -> its content without the trailing newline
  [ -r "$1" ] || die "cannot read secret file $1"
  "$PYTHON" -c 'import sys; print(open(sys.argv[1]).read().rstrip("\r\n"), end="")' "$1"
}

load_file_variables() {
  for var in $SECRET_VARS; do
    eval "file=\${${var}_FILE:-}; value=\${${var}:-}"
    [ -n "$file" ] || continue
    [ -z "$value" ] || echo "boot: $var comes from ${var}_FILE (the plain value is ignored)" >&2
    value=$(read_secret "$file") || exit $?
    export "$var=$value"
    unset "${var}_FILE"
    case "$var" in  # a whole URL from a secret already holds its password
      *_URL) unset "${var%_URL}_PASSWORD_FILE" ;;
    esac
  done
}

with_password() {  # url(s), password file -> each url with the percent-encoded password after the user
  "$PYTHON" - "$1" "$2" <<'PY'
import sys
from urllib.parse import quote, urlsplit, urlunsplit

urls, path = sys.argv[1], sys.argv[2]
password = open(path).read().rstrip("\r\n")
out = []
for url in urls.split(","):  # RABBITMQ_URL may list the nodes of a cluster
    parts = urlsplit(url.strip())
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or not userinfo or ":" in userinfo:
        sys.exit(f"boot: {url.split('@')[-1]}: the URL must name a user and no password")
    netloc = f"{userinfo}:{quote(password, safe='')}@{hostport}"
    out.append(urlunsplit(parts._replace(netloc=netloc)))
print(",".join(out), end="")
PY
}

load_url_passwords() {
  for name in $PASSWORD_URLS; do
    eval "file=\${${name}_PASSWORD_FILE:-}; url=\${${name}_URL:-}"
    [ -n "$file" ] || continue
    [ -n "$url" ] || die "${name}_PASSWORD_FILE is set but ${name}_URL is not"
    [ -r "$file" ] || die "cannot read secret file $file"
    url=$(with_password "$url" "$file") || exit 64
    export "${name}_URL=$url"
    unset "${name}_PASSWORD_FILE"
  done
}

refuse_an_empty_database() {  # returns 1 while the database cannot be reached (retried)
  [ "${ALLOW_EMPTY_DATABASE:-true}" = true ] && return 0
  status=0
  "$PYTHON" -m shared.dataset "$PACKAGE" || status=$?
  case "$status" in
    0) return 0 ;;
    3) die "the $PACKAGE database is empty but this deployment was initialised before \
(ALLOW_EMPTY_DATABASE=false): is it a database restarted on an empty volume, on another node? \
Nothing was migrated. See README.md, \"Moving the data node\"; to create it on purpose, deploy \
once with BOOKSTORE_ALLOW_EMPTY_DATABASE=true." ;;
    *) return 1 ;;
  esac
}

run_migrations() {
  # In the background and waited for: as PID 1, sh would ignore SIGTERM while a foreground
  # child runs, so a stopped task would sit out its grace period and be killed mid-migration.
  "$PYTHON" -m "$PACKAGE.migrate" &
  migration=$!
  stopping=false
  trap 'stopping=true; kill -TERM "$migration" 2>/dev/null || true' TERM INT
  status=0
  wait "$migration" || status=$?
  if [ "$stopping" = true ]; then
    wait "$migration" 2>/dev/null || true
    echo "boot: stopped during migrations" >&2
    exit 143
  fi
  trap - TERM INT
  return "$status"
}

migrate() {  # retried: on a fresh stack the database may still be starting
  # The health check's start_period (swarm/stack.yml) outlasts this deadline plus the
  # migration lock's wait (shared/db.py): a health check never kills a migrating task.
  deadline=$(( $(date +%s) + ${BOOT_MIGRATE_TIMEOUT:-180} ))
  until refuse_an_empty_database && run_migrations; do
    [ "$(date +%s)" -lt "$deadline" ] || die "migrations did not succeed in time"
    echo "boot: database not ready, retrying migrations in 3 s" >&2
    sleep 3
  done
}

migrate_on_start() {
  if [ "${HAS_DATABASE:-false}" = true ] && [ "${MIGRATE_ON_START:-true}" = true ]; then
    migrate
  fi
}

boot() {
  load_file_variables
  load_url_passwords
  cd "$APP_DIR" || die "cannot enter $APP_DIR"
  role=${1:-api}
  case "$role" in
    api)
      migrate_on_start
      # No gunicornc control socket: Swarm manages the processes, and $HOME is read-only.
      exec "$PYTHON" -m gunicorn -c "$APP_DIR/gunicorn.conf.py" --no-control-socket \
        -b "0.0.0.0:${API_PORT:-8000}" "$PACKAGE.wsgi:app" ;;
    worker)
      [ "${HAS_WORKER:-false}" = true ] || die "$PACKAGE has no worker process"
      migrate_on_start
      exec "$PYTHON" -m "$PACKAGE.worker" ;;
    migrate)
      [ "${HAS_DATABASE:-false}" = true ] || die "$PACKAGE has no database"
      migrate ;;
    *)
      exec "$@" ;;
  esac
}
