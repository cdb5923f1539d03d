#!/usr/bin/env bash
# Serve the API on the embedded default: SQLite in instance/, Celery eager, in-memory rate
# limits, sandbox payments, logged push, local object storage, and the demo data.
#
#   scripts/serve.sh                 # http://127.0.0.1:5000
#   PORT=8000 scripts/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --quiet --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
python -m pip install --quiet -e . 2>&1 | grep -v '^WARNING: Location' || true
scripts/i18n.sh compile >/dev/null  # the .mo files Flask-Babel reads (build output)
export FLASK_APP=api
flask db upgrade
flask seed-demo
echo "API docs: http://127.0.0.1:${PORT:-5000}/api/v1/docs/swagger"
exec flask run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
