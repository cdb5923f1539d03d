#!/usr/bin/env bash
# Serve the API on the embedded default: SQLite in instance/, Celery eager, in-memory rate
# limits, sandbox payments, logged push, local object storage, and the demo data.
#
#   scripts/serve.sh                 # http://127.0.0.1:5000
#   PORT=8000 scripts/serve.sh       # links the API gives out (uploads, QR codes) say 8000 too
#   HOST=0.0.0.0 PUBLIC_BASE_URL=http://192.168.1.20:5000 scripts/serve.sh   # a phone on the LAN
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}

log() { printf '\n==> %s\n' "$*"; }

if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
# pip's own progress is shown (a first install takes minutes); a failure stops here with
# pip's error, before anything is migrated.
log "installing the project into .venv (a first install downloads the dependencies)"
failed() { echo "serve.sh: installing failed (pip's error is above); nothing was started" >&2; exit 1; }
python -m pip install --upgrade --progress-bar on pip || failed
python -m pip install --progress-bar on -e . || failed

# flask run listens where these say, and the app's absolute links follow them unless
# PUBLIC_BASE_URL is set (api/config.py).
export FLASK_APP=api FLASK_RUN_HOST="$HOST" FLASK_RUN_PORT="$PORT"
log "compiling the translation catalogues"
scripts/i18n.sh compile >/dev/null  # the .mo files Flask-Babel reads (build output)
log "migrating the database (instance/)"
flask db upgrade
log "loading the demo data"
flask seed-demo

url_host=$HOST
case "$url_host" in 0.0.0.0 | ::) url_host=127.0.0.1 ;; *:*) url_host="[$url_host]" ;; esac
base="http://$url_host:$PORT"
log "ready"
echo "API:         $base/api/v1/posts"
echo "Swagger UI:  $base/api/v1/docs/swagger"
echo "ReDoc:       $base/api/v1/docs/redoc"
echo "OpenAPI:     $base/api/v1/docs/openapi.json"
echo "Links in answers (uploads, downloads, QR codes) point at ${PUBLIC_BASE_URL:-$base}"
exec flask run
