#!/usr/bin/env bash
# Install what the tests need, lint, and run the whole suite twice: on SQLite, then on a
# real PostgreSQL (and with a real Redis) started here on loopback in a temporary folder.
#
#   scripts/test.sh            # everything
#   scripts/test.sh -k booking # extra arguments go to pytest (both passes)
#   TEST_WORKERS=0 scripts/test.sh   # one process instead of one pytest-xdist worker per core
#
# DATABASE_URL / REDIS_URL pointing at existing servers are used instead of starting ones.
# With CI=true a PostgreSQL or Redis that cannot be started fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3}

log() { printf '\n==> %s\n' "$*"; }

# --- 1. the project and its test dependencies in .venv ---------------------------------
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
log "installing the project with its test extra"
# A failed install stops here with pip's own error (nothing is filtered or swallowed).
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e ".[test]"
python -c "import flask, flask_smorest, sqlalchemy, psycopg, pytest, schemathesis, moto, xdist, selenium" \
  || { echo "dependency installation failed" >&2; exit 1; }

log "compiling the translation catalogues (scripts/i18n.sh compile)"
scripts/i18n.sh compile >/dev/null

# --- 2. system packages: PostgreSQL server binaries, Redis, chromium and its driver, openssl
apt_updated=0
need_pkg() {  # need_pkg <command-or-path> <debian package>
  if [ -e "$1" ] || command -v "$1" >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    if [ $apt_updated = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
    log "installing $2"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)}
if [ -z "${DATABASE_URL:-}" ] && [ ! -x "${PG_BIN:-/nonexistent}/initdb" ]; then
  need_pkg /usr/lib/postgresql postgresql || true
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "${REDIS_URL:-}" ]; then need_pkg redis-server redis-server || true; fi
# The sticker's check page is tested in a real browser (tests marked "browser"); in CI a
# browser that cannot be installed fails those tests instead of skipping them.
need_pkg /usr/bin/chromium chromium || true
need_pkg /usr/bin/chromedriver chromium-driver || true
# The push tests hash a CA certificate for a directory of them (openssl x509 -hash).
need_pkg openssl openssl || true

# --- 3. lint ---------------------------------------------------------------------------
log "ruff"
ruff check .
ruff format --check .
log "import contracts (lint-imports: layers, domains calling down only, no cycles)"
lint-imports

# --- 4. servers on loopback ------------------------------------------------------------
TMP=$(mktemp -d /tmp/palm-test.XXXXXX)
chmod 755 "$TMP"
PG_STARTED=0
REDIS_STARTED=0
cleanup() {
  if [ $PG_STARTED = 1 ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$TMP/pg/data" -m fast stop >/dev/null 2>&1 || true
  fi
  if [ $REDIS_STARTED = 1 ]; then
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$TMP/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

fail_or_warn() {
  if [ "${CI:-}" = "true" ]; then echo "ERROR: $*" >&2; exit 1; fi
  echo "WARNING: $* (outside CI the tests that need it are skipped)" >&2
}

PG_URL=${DATABASE_URL:-}
if [ -z "$PG_URL" ]; then
  if [ -x "${PG_BIN:-/nonexistent}/initdb" ]; then
    PG_PORT=$(free_port)
    mkdir -p "$TMP/pg"
    chown postgres "$TMP/pg" 2>/dev/null || true
    as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    as_pg "$PG_BIN/initdb" -D "$TMP/pg/data" -U app --auth=trust -E UTF8 >/dev/null
    as_pg "$PG_BIN/pg_ctl" -D "$TMP/pg/data" -l "$TMP/pg/log" \
      -o "-p $PG_PORT -k $TMP/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      -w start >/dev/null
    PG_STARTED=1
    PG_URL="postgresql+psycopg://app@127.0.0.1:$PG_PORT/postgres"
    log "PostgreSQL started on 127.0.0.1:$PG_PORT"
  else
    fail_or_warn "no PostgreSQL server binaries found"
  fi
fi

if [ -z "${REDIS_URL:-}" ]; then
  if command -v redis-server >/dev/null 2>&1; then
    REDIS_PORT=$(free_port)
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize yes --pidfile "$TMP/redis.pid" --logfile "$TMP/redis.log" --dir "$TMP" >/dev/null
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    REDIS_STARTED=1
    export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
    log "Redis started on 127.0.0.1:$REDIS_PORT"
  else
    fail_or_warn "no redis-server found"
  fi
fi

# --- 5. the suite, twice ---------------------------------------------------------------
# In parallel (pytest-xdist, one worker per core unless TEST_WORKERS says otherwise; 0 runs
# in one process): each worker has its own SQLite file, PostgreSQL database and Redis
# database number (tests/conftest.py).
WORKERS=(-n "${TEST_WORKERS:-auto}")
status=0
log "pytest on SQLite"
env -u TEST_DATABASE_URL python -m pytest -p no:cacheprovider "${WORKERS[@]}" "$@" || status=$?
if [ $status = 5 ]; then echo "no tests collected" >&2; exit 1; fi

if [ -n "$PG_URL" ]; then
  log "pytest on PostgreSQL"
  pg_status=0
  TEST_DATABASE_URL="$PG_URL" python -m pytest -p no:cacheprovider "${WORKERS[@]}" "$@" || pg_status=$?
  if [ $pg_status = 5 ]; then echo "no tests collected" >&2; exit 1; fi
  [ $pg_status = 0 ] || status=$pg_status
elif [ "${CI:-}" = "true" ]; then
  status=1
fi
exit $status
